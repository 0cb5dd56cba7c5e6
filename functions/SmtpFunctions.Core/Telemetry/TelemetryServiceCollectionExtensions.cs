using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace SmtpFunctions.Core.Telemetry;

/// <summary>Sends our metrics and logs to Application Insights when the platform configures it.</summary>
/// <remarks>
/// Reads the two standard settings: <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>, and
/// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> = <c>Authorization=AAD;ClientId=…</c> for identity-based ingestion
/// (local authentication is disabled on the resource). Without a connection string nothing is exported.
/// </remarks>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>Name of the setting with the Application Insights connection string.</summary>
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Name of the setting selecting Entra ID authentication for ingestion.</summary>
    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>True when a connection string is set, so that the pipeline exports anything.</summary>
    public static bool IsExportConfigured(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrWhiteSpace(configuration[ConnectionStringSetting]);
    }

    /// <summary>Adds the OpenTelemetry pipeline with the Azure Monitor exporters, if configured.</summary>
    public static IServiceCollection AddSmtpFunctionsTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName = "smtpfunctions")
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration[ConnectionStringSetting];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return services;
        }

        var credential = CredentialFrom(configuration[AuthenticationStringSetting]);
        void Configure(AzureMonitorExporterOptions options)
        {
            options.ConnectionString = connectionString;
            if (credential is not null)
            {
                options.Credential = credential;
            }
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics.AddMeter(MailMetrics.MeterName).AddAzureMonitorMetricExporter(Configure));
        services.AddLogging(logging => logging.AddOpenTelemetry(otel =>
        {
            otel.IncludeScopes = true;
            otel.AddAzureMonitorLogExporter(Configure);
        }));
        return services;
    }

    private static ManagedIdentityCredential? CredentialFrom(string? authentication)
    {
        if (string.IsNullOrWhiteSpace(authentication))
        {
            return null;
        }

        var parts = authentication.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var kind) || !string.Equals(kind, "AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}
