using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>GET /api/suppressions: hands the request to the shared endpoint.</summary>
public sealed class ListSuppressions(SuppressionsEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(ListSuppressions))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "suppressions")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.ListAsync(request, cancellationToken));
}
