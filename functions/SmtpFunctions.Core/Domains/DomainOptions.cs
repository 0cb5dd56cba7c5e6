using System.ComponentModel.DataAnnotations;

namespace SmtpFunctions.Core.Domains;

/// <summary>Tenants' sending domains: where DKIM private keys are kept, what the DNS guidance says, how long lookups are trusted (section <c>Domains</c>).</summary>
public sealed class DomainOptions : IValidatableObject
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Domains";

    /// <summary>The value of <see cref="DefaultTenantSenderDomains"/> that lets the default tenant send from any domain.</summary>
    public const string AnyDomain = "*";

    /// <summary>
    /// Key Vault that holds the DKIM private keys of registered domains (<c>https://NAME.vault.azure.net/</c>). Empty: the
    /// local secret store in <see cref="SecretStorePath"/>. Reached with the managed identity
    /// (<see cref="ManagedIdentityClientId"/>), as storage is.
    /// </summary>
    public string KeyVaultUri { get; set; } = "";

    /// <summary>Client id of the user-assigned identity that reads and writes the vault's secrets; empty: DefaultAzureCredential's choice.</summary>
    public string ManagedIdentityClientId { get; set; } = "";

    /// <summary>
    /// Directory of the local secret store (one file a secret, mode 0600), used when <see cref="KeyVaultUri"/> is empty.
    /// Default <c>.local/secrets</c> under the working directory.
    /// </summary>
    public string SecretStorePath { get; set; } = Path.Combine(".local", "secrets");

    /// <summary>
    /// Migration: domains the default tenant may send from without registering them, beside the domains of configured
    /// DKIM keys (<c>Dkim:Keys</c>). A comma list, or <c>*</c> (the default) for any domain — what a deployment did before
    /// tenants. Set a list (or <c>none</c>) to hold the default tenant to its verified domains too. Other tenants always
    /// send only from their verified domains.
    /// </summary>
    public string DefaultTenantSenderDomains { get; set; } = AnyDomain;

    /// <summary>
    /// Trust every name as verified for the tenant that registers it, without a DNS lookup. For local runs and demos only
    /// (<c>functions/run-local.sh</c> sets it); never in production, where anyone could then send as any domain.
    /// </summary>
    public bool TrustRegistrationsWithoutDns { get; set; }

    /// <summary>How long an instance trusts a tenant's verified domains and keys before reading them again. Default 30 s.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The SPF mechanism to publish, e.g. <c>include:spf.relay.example.net</c>; empty: guidance that names the relay's own.</summary>
    public string SpfInclude { get; set; } = "";

    /// <summary>Where DMARC aggregate reports should go, in the suggested <c>_dmarc</c> record; empty: <c>dmarc-reports@</c> the domain.</summary>
    public string DmarcReportAddress { get; set; } = "";

    /// <summary>Domains a tenant may register at most. Default 100.</summary>
    [Range(1, 10000)]
    public int MaxDomainsPerTenant { get; set; } = 100;

    /// <summary>The default tenant's configured domains; null for any.</summary>
    public IReadOnlySet<string>? ParseDefaultTenantDomains()
    {
        var entries = (DefaultTenantSenderDomains ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (entries.Contains(AnyDomain))
        {
            return null;
        }

        var domains = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries.Where(e => !string.Equals(e, "none", StringComparison.OrdinalIgnoreCase)))
        {
            domains.Add(Dkim.DkimNames.NormalizeDomain(entry) ?? throw new FormatException($"'{entry}' in Domains:DefaultTenantSenderDomains is not a domain name."));
        }

        return domains;
    }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        string? problem = null;
        try
        {
            ParseDefaultTenantDomains();
        }
        catch (FormatException ex)
        {
            problem = ex.Message;
        }

        if (problem is not null)
        {
            yield return new ValidationResult(problem, [nameof(DefaultTenantSenderDomains)]);
        }

        if (KeyVaultUri.Length > 0 && !Uri.TryCreate(KeyVaultUri, UriKind.Absolute, out _))
        {
            yield return new ValidationResult("Domains:KeyVaultUri must be an absolute URI.", [nameof(KeyVaultUri)]);
        }

        if (KeyVaultUri.Length == 0 && string.IsNullOrWhiteSpace(SecretStorePath))
        {
            yield return new ValidationResult("Domains:SecretStorePath must be set when Domains:KeyVaultUri is empty.", [nameof(SecretStorePath)]);
        }

        if (CacheTtl < TimeSpan.Zero)
        {
            yield return new ValidationResult("Domains:CacheTtl must not be negative.", [nameof(CacheTtl)]);
        }
    }
}
