using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Dkim;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Core.Domains;

/// <summary>
/// Each tenant's verified domains and DKIM signers, read from the <c>domains</c> table at most once per
/// <see cref="DomainOptions.CacheTtl"/> per instance, so a submission costs no storage request on a cache hit.
/// </summary>
/// <remarks>
/// Private keys are read from the secret store once per secret: a secret's name is new for every key generated, so a
/// name always means the same key. A failed read is not cached (the next submission tries again). Migration: the default
/// tenant also holds the domains of the configured <c>Dkim:Keys</c> and <c>Domains:DefaultTenantSenderDomains</c>
/// (<c>*</c>, the default, allows any domain, as before tenants).
/// </remarks>
public sealed partial class TenantDomainCache(
    SendingDomainStore store,
    ISecretStore secrets,
    IOptions<DomainOptions> options,
    IOptions<DkimOptions> dkim,
    TimeProvider time,
    ILogger<TenantDomainCache> logger)
{
    private readonly ConcurrentDictionary<string, (Task<TenantDomains> Load, DateTimeOffset Until)> _tenants = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<TimedDkimSigner?>> _signers = new(StringComparer.Ordinal);
    private readonly IReadOnlySet<string>? _defaultDomains = DefaultDomains(options.Value, dkim.Value);

    /// <summary>The tenant's domains, from the cache when fresh; throws storage's exception when it cannot be read.</summary>
    public async Task<TenantDomains> GetAsync(string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        var now = time.GetUtcNow();
        if (_tenants.TryGetValue(tenantId, out var cached) && cached.Until > now && !cached.Load.IsFaulted && !cached.Load.IsCanceled)
        {
            return await cached.Load.WaitAsync(cancellationToken);
        }

        // One load per tenant at a time; not tied to this caller's token, since others await it too.
        var load = LoadAsync(tenantId);
        _tenants[tenantId] = (load, now + options.Value.CacheTtl);
        try
        {
            return await load.WaitAsync(cancellationToken);
        }
        catch
        {
            _tenants.TryRemove(new KeyValuePair<string, (Task<TenantDomains>, DateTimeOffset)>(tenantId, (load, now + options.Value.CacheTtl)));
            throw;
        }
    }

    /// <summary>Drops a tenant's cached domains (after a change on this instance; other instances see it within the TTL).</summary>
    public void Forget(string tenantId) => _tenants.TryRemove(tenantId, out _);

    private async Task<TenantDomains> LoadAsync(string tenantId)
    {
        var rows = (await store.ListAsync(tenantId, CancellationToken.None)).Where(r => r.IsVerified).ToList();
        var signers = new Dictionary<string, IReadOnlyList<TimedDkimSigner>>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            // Ed25519 first, then RSA: each signature goes on top, so the RSA one ends up first (as DkimMessageSigner does).
            var pair = await Task.WhenAll(SignerAsync(row, row.Ed25519SecretName, row.Ed25519Selector), SignerAsync(row, row.RsaSecretName, row.RsaSelector));
            signers[row.Domain] = pair.OfType<TimedDkimSigner>().ToList();
        }

        IReadOnlySet<string>? domains;
        if (tenantId == TenantIds.Default && _defaultDomains is null)
        {
            domains = null;
        }
        else
        {
            var set = new HashSet<string>(rows.Select(r => r.Domain), StringComparer.Ordinal);
            if (tenantId == TenantIds.Default)
            {
                set.UnionWith(_defaultDomains!);
            }

            domains = set;
        }

        return new TenantDomains(tenantId, domains, signers);
    }

    private async Task<TimedDkimSigner?> SignerAsync(SendingDomainEntity row, string secretName, string selector)
    {
        var task = _signers.GetOrAdd(secretName, name => ReadSignerAsync(row, name, selector));
        try
        {
            // A missing key is not remembered: it may be written yet (or the store was briefly unreachable).
            return await task ?? Forget(task);
        }
        catch
        {
            Forget(task);
            throw;
        }

        TimedDkimSigner? Forget(Task<TimedDkimSigner?> failed)
        {
            _signers.TryRemove(new KeyValuePair<string, Task<TimedDkimSigner?>>(secretName, failed));
            return null;
        }
    }

    private async Task<TimedDkimSigner?> ReadSignerAsync(SendingDomainEntity row, string secretName, string selector)
    {
        var pem = await secrets.GetAsync(secretName, CancellationToken.None);
        if (pem is null || !DkimPrivateKeyReader.TryRead(pem, out var key, out _))
        {
            LogKeyMissing(logger, selector, row.Domain, row.TenantId);
            return null;
        }

        // Never disposed: a snapshot may still be signing with it; the platform key is released when it is collected.
        return new TimedDkimSigner(new DkimKey(row.Domain, selector, IncludeSubdomains: false, key!), time);
    }

    private static HashSet<string>? DefaultDomains(DomainOptions domains, DkimOptions dkim)
    {
        if (domains.ParseDefaultTenantDomains() is not { } listed)
        {
            return null;
        }

        var set = new HashSet<string>(listed, StringComparer.Ordinal);
        foreach (var key in dkim.Keys)
        {
            if (DkimNames.NormalizeDomain(key.Domain) is { } domain)
            {
                set.Add(domain);
            }
        }

        return set;
    }

    [LoggerMessage(EventId = 9505, Level = LogLevel.Error,
        Message = "The DKIM key {Selector}._domainkey.{Domain} of tenant {TenantId} is missing from the secret store or unreadable; its mail goes out without that signature")]
    private static partial void LogKeyMissing(ILogger logger, string selector, string domain, string tenantId);
}
