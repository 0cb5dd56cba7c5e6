using Microsoft.Extensions.Configuration;

namespace SmtpFunctions.Ingress.Options;

/// <summary>
/// Where the process runs, as far as client addresses are concerned. Azure Container Apps sets
/// <c>CONTAINER_APP_NAME</c> and <c>CONTAINER_APP_ENV_DNS_SUFFIX</c> in every container it runs, and its TCP ingress does
/// not preserve the client's address (github.com/microsoft/azure-container-apps/issues/899): every connection arrives
/// from an internal address of the environment.
/// </summary>
public sealed class HostingPlatform
{
    /// <summary>Environment variable with the container app's name (Container Apps' built-in variables).</summary>
    public const string ContainerAppNameVariable = "CONTAINER_APP_NAME";

    /// <summary>Environment variable with the Container Apps environment's DNS suffix.</summary>
    public const string ContainerAppDnsSuffixVariable = "CONTAINER_APP_ENV_DNS_SUFFIX";

    /// <summary>Reads the platform from configuration, which holds the process's environment variables.</summary>
    public HostingPlatform(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var name = configuration[ContainerAppNameVariable];
        var suffix = configuration[ContainerAppDnsSuffixVariable];
        // Either one is enough: a half-set environment must not pass for a direct one.
        IsContainerApps = !string.IsNullOrWhiteSpace(name) || !string.IsNullOrWhiteSpace(suffix);
        ContainerAppName = string.IsNullOrWhiteSpace(name) ? null : name;
    }

    /// <summary>True inside Azure Container Apps.</summary>
    public bool IsContainerApps { get; }

    /// <summary>The container app's name, when known.</summary>
    public string? ContainerAppName { get; }

    /// <summary>Whether connection addresses are the clients' own, given the configured mode.</summary>
    public bool AddressesAreProxied(ClientAddressMode mode) => mode == ClientAddressMode.Proxied || (mode == ClientAddressMode.Auto && IsContainerApps);
}
