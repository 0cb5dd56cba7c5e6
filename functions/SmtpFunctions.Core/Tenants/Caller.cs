namespace SmtpFunctions.Core.Tenants;

/// <summary>Who is calling: the tenant and key a request was authenticated as.</summary>
/// <param name="TenantId">The tenant every read and write of the request is scoped to.</param>
/// <param name="KeyId">The API key's id (not its secret); null for callers that are not API keys (an SMTP account).</param>
/// <param name="Scopes">What the key may do.</param>
/// <param name="AllowedSenderDomains">
/// A further restriction to some of the tenant's verified domains; null: any of them.
/// </param>
public sealed record Caller(
    string TenantId,
    string? KeyId,
    ApiScopes Scopes,
    IReadOnlyCollection<string>? AllowedSenderDomains = null)
{
    /// <summary>True when the key holds every scope in <paramref name="scopes"/>.</summary>
    public bool Has(ApiScopes scopes) => (Scopes & scopes) == scopes;
}
