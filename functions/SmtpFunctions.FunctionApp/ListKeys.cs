using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>GET /api/keys: hands the request to the shared endpoint.</summary>
public sealed class ListKeys(KeysEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(ListKeys))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "keys")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.ListAsync(request, cancellationToken));
}
