using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Core.Telemetry;

namespace SmtpFunctions.FunctionApp.Telemetry;

/// <summary>The worker's telemetry: Core's OpenTelemetry pipeline, plus the Functions worker's defaults.</summary>
/// <remarks>
/// With host.json's <c>telemetryMode: OpenTelemetry</c> the worker exports its own logs and metrics. Left alone, the
/// host would also relay every worker log line it receives over gRPC, and Application Insights would hold each twice;
/// <c>UseFunctionsWorkerDefaults</c> tells the host not to (the <c>WorkerOpenTelemetryEnabled</c> capability) and names
/// the service after the site (cloud_RoleName), as the host's own telemetry is named. Without a connection string there
/// is no exporter, so the host keeps relaying the logs (its console under <c>func start</c> shows them).
/// </remarks>
internal static class WorkerTelemetryServiceCollectionExtensions
{
    public static IServiceCollection AddSmtpFunctionsWorkerTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSmtpFunctionsTelemetry(configuration);
        if (TelemetryServiceCollectionExtensions.IsExportConfigured(configuration))
        {
            services.AddOpenTelemetry().UseFunctionsWorkerDefaults();
        }

        return services;
    }
}
