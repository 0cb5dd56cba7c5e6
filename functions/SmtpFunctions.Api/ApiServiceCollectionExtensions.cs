using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SmtpFunctions.Api.Authentication;

namespace SmtpFunctions.Api;

/// <summary>Registers the HTTP API's endpoints (Core must be registered too).</summary>
public static class ApiServiceCollectionExtensions
{
    /// <summary>Adds the endpoints as singletons.</summary>
    public static IServiceCollection AddSmtpFunctionsApi(this IServiceCollection services)
    {
        services.TryAddSingleton<IApiAuthenticator, ApiKeyAuthenticator>();
        services.TryAddSingleton<MessagesEndpoint>();
        services.TryAddSingleton<SuppressionsEndpoint>();
        services.TryAddSingleton<KeysEndpoint>();
        services.TryAddSingleton<WebhooksEndpoint>();
        services.TryAddSingleton<DomainsEndpoint>();
        services.TryAddSingleton<OpenApiEndpoint>();
        return services;
    }
}
