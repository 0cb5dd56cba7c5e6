using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace SmtpFunctions.FunctionApp.Tests.Wiring;

/// <summary>
/// The function app's service provider exactly as Program.cs builds it (<see cref="FunctionAppSetup.AddSmtpFunctionApp"/>),
/// not started (there is no Functions host to talk gRPC to), with trigger classes activated from it the way the worker
/// activates them.
/// </summary>
internal sealed class FunctionAppHost : IDisposable
{
    private readonly IHost _host;

    private FunctionAppHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public static FunctionAppHost Build(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddSmtpFunctionApp();
        return new FunctionAppHost(builder.Build());
    }

    /// <summary>A trigger instance, its constructor arguments from the container (a missing registration throws here).</summary>
    public T Trigger<T>() => ActivatorUtilities.CreateInstance<T>(Services);

    /// <summary>A request as the ASP.NET Core integration hands it to a trigger.</summary>
    public HttpRequest Request(string method, string pathAndQuery, string? body = null, string? contentType = null)
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        var split = pathAndQuery.Split('?', 2);
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1", 7071);
        context.Request.Path = split[0];
        context.Request.QueryString = split.Length > 1 ? new QueryString("?" + split[1]) : QueryString.Empty;
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            context.Request.ContentType = contentType;
        }

        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    /// <summary>Runs a trigger's result the way the integration does, and reads what it wrote.</summary>
    public static async Task<TriggerResponse> ExecuteAsync(HttpRequest request, IActionResult result)
    {
        var context = request.HttpContext;
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        context.Response.Body.Position = 0;
        using var reader = new StreamReader(context.Response.Body);
        return new TriggerResponse(context.Response.StatusCode, context.Response.ContentType, await reader.ReadToEndAsync(), context.Response.Headers);
    }

    public void Dispose() => _host.Dispose();
}

/// <summary>What a trigger answered.</summary>
internal sealed record TriggerResponse(int Status, string? ContentType, string Body, IHeaderDictionary Headers);
