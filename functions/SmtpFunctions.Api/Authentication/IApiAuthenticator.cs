using Microsoft.AspNetCore.Http;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Api.Authentication;

/// <summary>
/// Finds who a request comes from and whether they may do what the endpoint does. Every endpoint asks it first, on
/// both hosts, so the function app and the local host refuse the same requests the same way.
/// </summary>
public interface IApiAuthenticator
{
    /// <summary>The caller when the request carries credentials holding <paramref name="required"/>, else the refusal.</summary>
    ValueTask<ApiAuthentication> AuthenticateAsync(HttpRequest request, ApiScopes required, CancellationToken cancellationToken);
}
