using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>DELETE /api/suppressions?address=…: the lift whose address survives the host's path handling (a <c>/</c> in it).</summary>
public sealed class DeleteSuppressionByQuery(SuppressionsEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(DeleteSuppressionByQuery))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "suppressions")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.DeleteByQueryAsync(request, cancellationToken));
}
