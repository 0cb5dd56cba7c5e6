using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Dkim;

/// <summary>Registers DKIM signing (called once from <c>AddSmtpFunctionsCore</c>).</summary>
public static class DkimServiceCollectionExtensions
{
    /// <summary>Adds <see cref="DkimOptions"/> (every key loaded and checked at start) and the <see cref="DkimMessageSigner"/>.</summary>
    public static IServiceCollection AddDkim(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<DkimOptions>(configuration, DkimOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DkimOptions>, DkimOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DkimMessageSigner>();
        return services;
    }
}
