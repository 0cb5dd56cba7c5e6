using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Tenants;

/// <summary>Registers API keys: their store, verifier (with its cache), manager and rate limiter.</summary>
public static class TenantsServiceCollectionExtensions
{
    /// <summary>Adds the key roles and binds <see cref="ApiKeyOptions"/>.</summary>
    public static IServiceCollection AddTenants(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ApiKeyOptions>(configuration, ApiKeyOptions.SectionName);
        services.TryAddSingleton<ApiKeyStore>();
        services.TryAddSingleton<ApiKeyVerifier>();
        services.TryAddSingleton<ApiKeyManager>();
        services.TryAddSingleton<KeyRateLimiter>();
        return services;
    }
}
