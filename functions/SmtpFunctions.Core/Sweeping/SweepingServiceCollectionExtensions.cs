using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Sweeping;

/// <summary>Registers the sweeper, its due-time index, the re-driver and the poison-queue handler.</summary>
public static class SweepingServiceCollectionExtensions
{
    /// <summary>Adds <c>Sweeper</c> options (validated at start) and the sweeping services, all singletons.</summary>
    public static IServiceCollection AddSweeping(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SweeperOptions>(configuration, SweeperOptions.SectionName);
        services.TryAddSingleton<SweepIndex>();
        services.TryAddSingleton<Redriver>();
        services.TryAddSingleton<Sweeper>();
        services.TryAddSingleton<PoisonJobHandler>();
        return services;
    }
}
