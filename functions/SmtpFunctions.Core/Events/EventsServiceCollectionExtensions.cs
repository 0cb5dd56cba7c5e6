using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Events;

/// <summary>Registers events: the publisher the delivery path uses, the dispatcher, webhooks and Event Grid.</summary>
public static class EventsServiceCollectionExtensions
{
    /// <summary>Adds <c>Events</c> options (validated at start) and the event services, all singletons.</summary>
    public static IServiceCollection AddEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<EventsOptions>(configuration, EventsOptions.SectionName);
        services.TryAddSingleton<EventQueue>();
        services.TryAddSingleton<EventDemand>();
        services.TryAddSingleton<EventPublisher>();
        services.TryAddSingleton<WebhookSubscriptionStore>();
        services.TryAddSingleton<WebhookSender>();
        services.TryAddSingleton<EventGridSender>();
        services.TryAddSingleton<EventDispatcher>();
        services.TryAddSingleton<EventIntentRecovery>();
        services.TryAddSingleton<EventPoisonHandler>();
        services.TryAddSingleton<WebhookSubscriptions>();
        return services;
    }
}
