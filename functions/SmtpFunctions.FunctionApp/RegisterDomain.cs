using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>POST /api/domains: registers a sending domain and answers the records to publish; hands the request to the shared endpoint.</summary>
public sealed class RegisterDomain(DomainsEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(RegisterDomain))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "domains")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.RegisterAsync(request, cancellationToken));
}
