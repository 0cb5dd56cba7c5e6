using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>POST /api/webhooks/{id}/replay: hands the request to the shared endpoint.</summary>
public sealed class ReplayWebhook(WebhooksEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(ReplayWebhook))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "webhooks/{id}/replay")] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.ReplayAsync(request, id, cancellationToken));
}
