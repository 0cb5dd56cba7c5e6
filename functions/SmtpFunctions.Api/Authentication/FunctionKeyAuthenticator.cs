using Microsoft.AspNetCore.Http;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Api.Authentication;

/// <summary>
/// The behaviour before tenants: the host's function key is the only check, and whoever passed it is the default
/// tenant with every scope.
/// </summary>
public sealed class FunctionKeyAuthenticator : IApiAuthenticator
{
    private static readonly Caller DefaultCaller = new(TenantIds.Default, null,
        ApiScopes.Send | ApiScopes.Read | ApiScopes.Suppressions | ApiScopes.Admin);

    /// <inheritdoc />
    public ValueTask<ApiAuthentication> AuthenticateAsync(HttpRequest request, ApiScopes required, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ApiAuthentication.Accepted(DefaultCaller));
}
