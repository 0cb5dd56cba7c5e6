using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>POST /api/webhooks: hands the request to the shared endpoint.</summary>
public sealed class CreateWebhook(WebhooksEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(CreateWebhook))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "webhooks")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.CreateAsync(request, cancellationToken));
}
