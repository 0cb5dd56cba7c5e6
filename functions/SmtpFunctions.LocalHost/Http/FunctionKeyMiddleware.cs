using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
namespace SmtpFunctions.LocalHost.Http;

/// <summary>Requires the function key on <c>/api</c> routes, as <c>AuthorizationLevel.Function</c> does in Azure.</summary>
/// <remarks>
/// A missing or wrong key is answered as the Functions host answers it: 401 with an empty body. The host refuses the
/// request before the worker sees it, so no problem document can be written there; answering the same here keeps a
/// client that works locally working in Azure.
/// </remarks>
internal sealed class FunctionKeyMiddleware(RequestDelegate next, IOptions<LocalHostOptions> options)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(options.Value.FunctionKey);

    public async Task InvokeAsync(HttpContext context)
    {
        if (IsAnonymous(context.Request.Path) || IsAuthorized(context.Request))
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.ContentLength = 0;
    }

    private static bool IsAnonymous(PathString path) =>
        !path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) ||
        path.Equals("/api/openapi.json", StringComparison.OrdinalIgnoreCase);

    private bool IsAuthorized(HttpRequest request)
    {
        var given = request.Headers.TryGetValue("x-functions-key", out var header) ? header.ToString()
            : request.Query.TryGetValue("code", out var code) ? code.ToString()
            : null;
        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _key);
    }
}
