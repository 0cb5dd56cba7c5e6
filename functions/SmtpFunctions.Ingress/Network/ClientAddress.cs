using System.Net;

namespace SmtpFunctions.Ingress.Network;

/// <summary>How a client is identified for trust and for per-client limits.</summary>
public static class ClientAddress
{
    /// <summary>The address as the client sees itself: IPv4-mapped IPv6 (dual-stack sockets) back to IPv4.</summary>
    public static IPAddress Normalize(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }

    /// <summary>
    /// The key limits count under: the IPv4 address, or the IPv6 /64 (one subscriber usually holds a whole /64, so
    /// counting single IPv6 addresses would let one host dodge every limit).
    /// </summary>
    public static string LimitKey(IPAddress address)
    {
        var normalized = Normalize(address);
        if (normalized.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return normalized.ToString();
        }

        var bytes = normalized.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
