using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core;
using SmtpFunctions.Ingress.Accounts;
using SmtpFunctions.Ingress.Development;
using SmtpFunctions.Ingress.Memory;
using SmtpFunctions.Ingress.Network;
using SmtpFunctions.Ingress.Options;
using SmtpFunctions.Ingress.Protocol;
using SmtpFunctions.Ingress.Tls;

namespace SmtpFunctions.Ingress.Hosting;

/// <summary>Registers the SMTP ingress (and Core, which it submits through).</summary>
public static partial class IngressServiceCollectionExtensions
{
    /// <summary>Adds Core, the validated <see cref="IngressOptions"/>, the SmtpServer hooks and the hosted SMTP server.</summary>
    public static IServiceCollection AddSmtpIngress(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSmtpFunctionsCore(configuration);
        services.AddValidatedOptions<IngressOptions>(configuration, IngressOptions.SectionName);
        // Resolved, not read now: configuration sources added after this call (command line, tests) count too.
        services.AddSingleton(s => new HostingPlatform(s.GetRequiredService<IConfiguration>()));
        services.AddSingleton<IValidateOptions<IngressOptions>, IngressOptionsValidator>();

        services.AddSingleton<IngressSettings>();
        services.AddSingleton(s => new MemoryBudget(s.GetRequiredService<IngressSettings>().MaxBytesInFlight));
        services.AddSingleton(s => new SubmissionGate(s.GetRequiredService<IngressSettings>().MaxBytesSubmitting));
        services.AddSingleton<DevelopmentAccount>();
        services.AddSingleton<UserDirectory>();
        services.AddSingleton<AuthFailureLimiter>();
        services.AddSingleton<AccountLockout>();
        services.AddSingleton<ConnectionLimiter>();
        services.AddSingleton<IngressEndpoints>();
        services.AddSingleton(LoadCertificate);
        services.AddSingleton<IngressListenerFactory>();
        services.AddSingleton<SmtpUserAuthenticator>();
        services.AddSingleton<SubmissionMailboxFilter>();
        services.AddSingleton<SubmissionMessageStore>();
        services.AddHostedService<SmtpIngressService>();
        // The host must wait out the drain (its default is 30 s whatever the grace), and a little for the rest to stop.
        services.AddOptions<HostOptions>().Configure<IOptions<IngressOptions>>((host, ingress) =>
            host.ShutdownTimeout = ingress.Value.ShutdownGrace + TimeSpan.FromSeconds(10));
        services.AddHealthChecks().AddCheck<SmtpListenersHealthCheck>("smtp-listeners");
        return services;
    }

    private static TlsCertificate LoadCertificate(IServiceProvider services)
    {
        var settings = services.GetRequiredService<IngressSettings>();
        if (!string.IsNullOrWhiteSpace(settings.Options.CertificatePath))
        {
            return CertificateLoader.Load(settings.Options);
        }

        var (certificate, path, created) = DevelopmentCertificate.LoadOrCreate(settings.Options, settings.ServerName, services.GetRequiredService<TimeProvider>());
        LogDevelopmentCertificate(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DevelopmentCertificate)), created ? "Created" : "Reusing", path, certificate.Certificate.Thumbprint);
        return certificate;
    }

    [LoggerMessage(EventId = 5504, Level = LogLevel.Warning, Message = "{Action} the self-signed development certificate {Path} (SHA-1 {Thumbprint}); clients must be told to trust it")]
    private static partial void LogDevelopmentCertificate(ILogger logger, string action, string path, string thumbprint);
}
