using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>POST /api/suppressions: hands the request to the shared endpoint.</summary>
public sealed class AddSuppression(SuppressionsEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(AddSuppression))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "suppressions")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultActionResult(await endpoint.AddAsync(request, cancellationToken));
}
