using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SmtpFunctions.Core.Domains;

/// <summary>Registers tenants' sending domains (called once from <c>AddSmtpFunctionsCore</c>).</summary>
public static class DomainsServiceCollectionExtensions
{
    /// <summary>Adds <see cref="DomainOptions"/>, the domain store, the secret store (Key Vault when configured, else files), registrar, verifier and cache.</summary>
    public static IServiceCollection AddSendingDomains(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<DomainOptions>(configuration, DomainOptions.SectionName);
        services.TryAddSingleton<ISecretStore>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<DomainOptions>>();
            return options.Value.KeyVaultUri.Length > 0 ? new KeyVaultSecretStore(options) : new FileSecretStore(options);
        });
        services.TryAddSingleton<SendingDomainStore>();
        services.TryAddSingleton<TenantDomainCache>();
        services.TryAddSingleton<DomainRegistrar>();
        services.TryAddSingleton<DomainVerifier>();
        return services;
    }
}
