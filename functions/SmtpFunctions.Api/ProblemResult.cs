using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace SmtpFunctions.Api;

/// <summary>Writes a problem as <c>application/problem+json</c>, with Retry-After on 503 (and 429), the same in both hosts.</summary>
internal sealed class ProblemResult(ProblemDetails problem, int? retryAfterSeconds = null) : IResult
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var status = problem.Status ?? StatusCodes.Status500InternalServerError;
        httpContext.Response.StatusCode = status;
        if (retryAfterSeconds is { } seconds)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = "5";
        }

        httpContext.Response.ContentType = ApiProblems.ContentType;
        await JsonSerializer.SerializeAsync(httpContext.Response.Body, problem, Json, httpContext.RequestAborted);
    }
}
