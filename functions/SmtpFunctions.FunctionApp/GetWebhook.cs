using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>GET /api/webhooks/{id}: hands the request to the shared endpoint.</summary>
public sealed class GetWebhook(WebhooksEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(GetWebhook))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "webhooks/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.GetAsync(request, id, cancellationToken));
}
