using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Ingress.Options;
using SmtpFunctions.Core.Telemetry;

namespace SmtpFunctions.Ingress.Hosting;

/// <summary>
/// Builds the ingress process: the SMTP server as a hosted service, and Kestrel serving only <c>/healthz</c> on
/// <c>Ingress:HealthPort</c>. Configuration: <c>appsettings.json</c>, <c>appsettings.{Environment}.json</c> beside the
/// binary, then environment variables (<c>Ingress__Port</c>, <c>AzureWebJobsStorage</c>, …), then the command line.
/// </summary>
public static class IngressHost
{
    /// <summary>The cloud role name in Application Insights.</summary>
    public const string TelemetryServiceName = "smtpfunctions-ingress";

    /// <summary>Path of the health endpoint.</summary>
    public const string HealthPath = "/healthz";

    /// <summary>A builder with everything registered; tests add configuration before <see cref="Build"/>.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.IncludeScopes = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff ";
            console.UseUtcTimestamp = true;
        });
        builder.Services.AddSmtpIngress(builder.Configuration);
        builder.Services.AddSmtpFunctionsTelemetry(builder.Configuration, TelemetryServiceName);
        return builder;
    }

    /// <summary>Builds the application with the health endpoint on its own port.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Configuration.GetSection(IngressOptions.SectionName).Get<IngressOptions>() ?? new IngressOptions();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var address = options.HealthPort == 0 || !IPAddress.TryParse(options.BindAddress, out var bind) ? IPAddress.Loopback : bind;
            kestrel.Listen(address, options.HealthPort);
        });
        var app = builder.Build();
        app.MapHealthChecks(HealthPath);
        return app;
    }
}
