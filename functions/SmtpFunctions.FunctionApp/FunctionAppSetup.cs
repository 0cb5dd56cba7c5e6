using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SmtpFunctions.Api;
using SmtpFunctions.Core;
using SmtpFunctions.FunctionApp.Storage;
using SmtpFunctions.FunctionApp.Telemetry;

namespace SmtpFunctions.FunctionApp;

/// <summary>Everything <c>Program.cs</c> registers, in one place the tests build too.</summary>
public static class FunctionAppSetup
{
    /// <summary>Adds ASP.NET Core integration, Core, the API endpoints, telemetry and the storage provisioning.</summary>
    public static FunctionsApplicationBuilder AddSmtpFunctionApp(this FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureFunctionsWebApplication();
        builder.Services.AddSmtpFunctionsCore(builder.Configuration);
        builder.Services.AddSmtpFunctionsApi();
        builder.Services.AddSmtpFunctionsWorkerTelemetry(builder.Configuration);
        builder.Services.AddHostedService<StorageStartup>();
        builder.UseMiddleware<StorageReadyMiddleware>();
        return builder;
    }
}
