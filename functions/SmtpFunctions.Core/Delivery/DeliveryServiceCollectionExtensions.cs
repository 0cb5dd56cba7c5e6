using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SmtpFunctions.Core.Bounces;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Retry;
using SmtpFunctions.Core.Routing;

namespace SmtpFunctions.Core.Delivery;

/// <summary>Registers delivery: routing (MX), the SMTP relay and its connection cache, retries and bounces.</summary>
public static class DeliveryServiceCollectionExtensions
{
    /// <summary>Adds delivery's options (validated at start) and services; all singletons, so caches live as long as the host.</summary>
    public static IServiceCollection AddDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<DeliveryOptions>(configuration, DeliveryOptions.SectionName);
        services.AddValidatedOptions<RoutingOptions>(configuration, RoutingOptions.SectionName);
        services.AddValidatedOptions<RetryOptions>(configuration, RetryOptions.SectionName);

        services.TryAddSingleton<IDnsLookup, DnsClientLookup>();
        services.TryAddSingleton<IMxResolver, MxResolver>();
        services.TryAddSingleton<OutboundAddressPolicy>();
        services.TryAddSingleton<ISmtpPeerConnector, TcpSmtpPeerConnector>();
        services.TryAddSingleton<SmtpConnectionCache>();
        services.TryAddSingleton<IMessageRelay, SmtpRelay>();
        services.TryAddSingleton<RetrySchedule>();
        services.TryAddSingleton<BounceSender>();
        services.TryAddSingleton<BounceCollector>();
        services.TryAddSingleton<PersistentWrites>();
        services.TryAddSingleton<DeliveryJobHandler>();
        return services;
    }
}
