using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>DELETE /api/webhooks/{id}: hands the request to the shared endpoint.</summary>
public sealed class DeleteWebhook(WebhooksEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(DeleteWebhook))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "webhooks/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.DeleteAsync(request, id, cancellationToken));
}
