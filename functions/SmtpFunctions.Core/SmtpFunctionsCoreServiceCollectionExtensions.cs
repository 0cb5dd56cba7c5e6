using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Dkim;
using SmtpFunctions.Core.Events;
using SmtpFunctions.Core.Domains;
using SmtpFunctions.Core.Pacing;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Core.Suppression;
using SmtpFunctions.Core.Sweeping;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Core;

/// <summary>Registers the mail system's roles; every host (function app, local host, ingress) calls this once.</summary>
public static class SmtpFunctionsCoreServiceCollectionExtensions
{
    /// <summary>Adds options (validated at start), storage clients, submission, status and delivery.</summary>
    public static IServiceCollection AddSmtpFunctionsCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddValidatedOptions<SubmissionOptions>(configuration, SubmissionOptions.SectionName);
        services.AddValidatedOptions<StorageOptions>(configuration, StorageOptions.SectionName);
        services.AddSingleton<IValidateOptions<StorageOptions>>(new ShardConnectionsValidation(configuration));
        services.AddDkim(configuration);
        services.AddSendingDomains(configuration);

        services.TryAddSingleton<MailMetrics>();
        services.TryAddSingleton<StorageAccount>();
        services.TryAddSingleton<StorageShards>();
        services.TryAddSingleton<ShardAccounts>();
        services.TryAddSingleton<StorageProvisioner>();
        services.TryAddSingleton<MessageBlobs>();
        services.TryAddSingleton<OutboundQueue>();
        services.TryAddSingleton<StatusStore>();
        services.TryAddSingleton<MessageIds>();
        services.TryAddSingleton<MessagePreparer>();
        services.TryAddSingleton<SubmissionAdmission>();
        services.TryAddSingleton<SubmissionService>();
        services.AddDelivery(configuration);
        services.AddSuppression(configuration);
        services.AddPacing(configuration);
        services.AddSweeping(configuration);
        services.AddTenants(configuration);
        services.AddEvents(configuration);
        return services;
    }

    /// <summary>Binds an options class to its section, validates its data annotations, and fails the host at start if invalid.</summary>
    public static IServiceCollection AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string sectionName)
        where T : class
    {
        services.AddOptions<T>().Bind(configuration.GetSection(sectionName)).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
