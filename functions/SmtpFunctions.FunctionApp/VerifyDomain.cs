using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>POST /api/domains/{domain}/verify: looks the domain's records up; hands the request to the shared endpoint.</summary>
public sealed class VerifyDomain(DomainsEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(VerifyDomain))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "domains/{domain}/verify")] HttpRequest request,
        string domain,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.VerifyAsync(request, domain, cancellationToken));
}
