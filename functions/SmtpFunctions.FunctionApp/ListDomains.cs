using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>GET /api/domains: the tenant's sending domains; hands the request to the shared endpoint.</summary>
public sealed class ListDomains(DomainsEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(ListDomains))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "domains")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.ListAsync(request, cancellationToken));
}
