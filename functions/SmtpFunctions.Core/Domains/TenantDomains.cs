using SmtpFunctions.Core.Dkim;

namespace SmtpFunctions.Core.Domains;

/// <summary>One tenant's sending rights as an instance last read them: the domains it may send from and their DKIM signers.</summary>
public sealed class TenantDomains
{
    private readonly IReadOnlySet<string>? _domains;
    private readonly IReadOnlyDictionary<string, IReadOnlyList<TimedDkimSigner>> _signers;

    internal TenantDomains(string tenantId, IReadOnlySet<string>? domains, IReadOnlyDictionary<string, IReadOnlyList<TimedDkimSigner>> signers)
    {
        TenantId = tenantId;
        _domains = domains;
        _signers = signers;
    }

    /// <summary>The tenant.</summary>
    public string TenantId { get; }

    /// <summary>True when any domain is allowed (the default tenant before its domains are listed: <c>Domains:DefaultTenantSenderDomains=*</c>).</summary>
    public bool AllowsAnyDomain => _domains is null;

    /// <summary>The verified domains; empty when <see cref="AllowsAnyDomain"/>.</summary>
    public IReadOnlyCollection<string> Domains => (IReadOnlyCollection<string>?)_domains ?? [];

    /// <summary>True when the tenant may send from <paramref name="domain"/> (lower-case A-labels).</summary>
    public bool Allows(string domain) => _domains is null || _domains.Contains(domain);

    /// <summary>The verified domain's own signers (rsa then ed25519 order is the signer's business), or none.</summary>
    internal IReadOnlyList<TimedDkimSigner> SignersFor(string domain) => _signers.TryGetValue(domain, out var found) ? found : [];
}
