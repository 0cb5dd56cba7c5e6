using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>POST /api/keys: hands the request to the shared endpoint.</summary>
public sealed class CreateKey(KeysEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(CreateKey))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "keys")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.CreateAsync(request, cancellationToken));
}
