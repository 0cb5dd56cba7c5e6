using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>DELETE /api/suppressions/{address}: hands the request to the shared endpoint.</summary>
public sealed class DeleteSuppression(SuppressionsEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(DeleteSuppression))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "suppressions/{address}")] HttpRequest request,
        string address,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.DeleteAsync(request, address, cancellationToken));
}
