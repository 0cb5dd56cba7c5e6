using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace SmtpFunctions.FunctionApp;

/// <summary>Lets a function return the shared endpoint's <see cref="IResult"/> through ASP.NET Core integration.</summary>
internal sealed class ResultActionResult(IResult result) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return result.ExecuteAsync(context.HttpContext);
    }
}
