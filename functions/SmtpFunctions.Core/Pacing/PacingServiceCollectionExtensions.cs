using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Pacing;

/// <summary>Registers per-destination pacing (called once from <c>AddSmtpFunctionsCore</c>).</summary>
public static class PacingServiceCollectionExtensions
{
    /// <summary>Adds <see cref="PacingOptions"/> (validated at start) and the <see cref="DestinationPacer"/>, a singleton so its limits hold across concurrent jobs.</summary>
    public static IServiceCollection AddPacing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<PacingOptions>(configuration, PacingOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<InstanceShares>();
        services.TryAddSingleton<DestinationPacer>();
        return services;
    }
}
