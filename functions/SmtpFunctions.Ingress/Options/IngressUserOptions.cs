namespace SmtpFunctions.Ingress.Options;

/// <summary>One SMTP account: a name, a slow salted password hash, and the sender domains it may use.</summary>
public sealed class IngressUserOptions
{
    /// <summary>The AUTH user name (compared case-insensitively).</summary>
    public string Name { get; set; } = "";

    /// <summary>
    /// The password hash printed by <c>SmtpFunctions.Ingress hash-password</c>:
    /// <c>pbkdf2-sha256$iterations$salt$hash</c> (Base64 salt and hash). Never the password itself.
    /// </summary>
    public string PasswordHash { get; set; } = "";

    /// <summary>Domains allowed in MAIL FROM and From, comma-separated; <c>*</c> allows any (of the tenant's verified domains).</summary>
    public string SenderDomains { get; set; } = "";

    /// <summary>
    /// The tenant the account sends as (default <c>default</c>, the tenant an upgraded deployment's accounts keep):
    /// MAIL FROM and From must also be verified domains of this tenant.
    /// </summary>
    public string TenantId { get; set; } = Core.Tenants.TenantIds.Default;
}
