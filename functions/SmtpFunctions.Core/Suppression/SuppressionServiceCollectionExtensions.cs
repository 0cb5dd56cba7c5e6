using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Suppression;

/// <summary>Registers the suppression list (called once from <c>AddSmtpFunctionsCore</c>).</summary>
public static class SuppressionServiceCollectionExtensions
{
    /// <summary>Adds <see cref="SuppressionOptions"/> (validated at start), the table store and the cached list, as singletons.</summary>
    public static IServiceCollection AddSuppression(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SuppressionOptions>(configuration, SuppressionOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISuppressionStore, SuppressionStore>();
        services.TryAddSingleton<SuppressionList>();
        return services;
    }
}
