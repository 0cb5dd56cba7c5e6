using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>POST /api/messages: hands the request to the shared endpoint.</summary>
public sealed class SubmitMessage(MessagesEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(SubmitMessage))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "messages")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.SubmitAsync(request, cancellationToken));
}
