using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Api;

namespace SmtpFunctions.FunctionApp;

/// <summary>GET /api/openapi.json, without a key: the API's description is public, as on the local host.</summary>
public sealed class GetOpenApiDocument(OpenApiEndpoint endpoint)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(GetOpenApiDocument))]
    public IActionResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        new ResultActionResult(endpoint.Get());
}
