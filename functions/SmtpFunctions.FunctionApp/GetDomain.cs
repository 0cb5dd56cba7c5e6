using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>GET /api/domains/{domain}: one sending domain; hands the request to the shared endpoint.</summary>
public sealed class GetDomain(DomainsEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(GetDomain))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "domains/{domain}")] HttpRequest request,
        string domain,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.GetAsync(request, domain, cancellationToken));
}
