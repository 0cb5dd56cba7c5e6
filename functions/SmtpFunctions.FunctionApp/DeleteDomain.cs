using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>DELETE /api/domains/{domain}: removes a sending domain and its keys; hands the request to the shared endpoint.</summary>
public sealed class DeleteDomain(DomainsEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(DeleteDomain))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "domains/{domain}")] HttpRequest request,
        string domain,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.DeleteAsync(request, domain, cancellationToken));
}
