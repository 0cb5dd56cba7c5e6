using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>GET /api/suppressions/{address}: hands the request to the shared endpoint.</summary>
public sealed class GetSuppression(SuppressionsEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(GetSuppression))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "suppressions/{address}")] HttpRequest request,
        string address,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.GetAsync(request, address, cancellationToken));
}
