namespace SmtpFunctions.Core.Tenants;

/// <summary>Tenant ids with a fixed meaning.</summary>
public static class TenantIds
{
    /// <summary>
    /// The tenant that holds what a deployment had before tenants existed: the function key's callers, the configured
    /// SMTP accounts and DKIM keys. An upgraded deployment keeps working as this tenant.
    /// </summary>
    public const string Default = "default";

    /// <summary>
    /// The system's own namespace (DSNs, operator actions). No API key can belong to it, so no caller can reach what is
    /// kept under it — for example the idempotency key a DSN uses.
    /// </summary>
    public const string System = "$system";
}
