using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>DELETE /api/keys/{id}: hands the request to the shared endpoint.</summary>
public sealed class RevokeKey(KeysEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(RevokeKey))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "keys/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.RevokeAsync(request, id, cancellationToken));
}
