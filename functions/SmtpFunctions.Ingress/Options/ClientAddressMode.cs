namespace SmtpFunctions.Ingress.Options;

/// <summary>Whether the address a connection comes from is the client's own (<c>Ingress:ClientAddresses</c>).</summary>
public enum ClientAddressMode
{
    /// <summary><see cref="Proxied"/> when the process runs in Azure Container Apps, <see cref="Direct"/> otherwise.</summary>
    Auto,

    /// <summary>Connections come straight from clients (a VM, Azure Container Instances with a public IP, a load balancer that keeps addresses).</summary>
    Direct,

    /// <summary>
    /// A proxy in front replaces every client's address with its own (Container Apps' TCP ingress does): limits per
    /// address would count all clients as one, and a trusted network would trust everyone.
    /// </summary>
    Proxied,
}
