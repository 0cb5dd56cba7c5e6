using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>GET /api/webhooks: hands the request to the shared endpoint.</summary>
public sealed class ListWebhooks(WebhooksEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(ListWebhooks))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "webhooks")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.ListAsync(request, cancellationToken));
}
