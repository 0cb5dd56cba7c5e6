using System.Net;
using System.Net.Sockets;

namespace SmtpFunctions.Testing.Processes;

/// <summary>
/// Hands out random addresses in 127.0.0.0/8 that no socket on this machine uses, so that test peers started by
/// parallel test runs (other test projects, other agents) never share an address.
/// </summary>
/// <remarks>
/// Linux routes the whole 127.0.0.0/8 to the loopback interface, so any of these addresses can be bound without
/// configuring an interface. 127.0.x.y is left alone: people pick 127.0.0.2, 127.0.0.3… by hand.
/// </remarks>
public static class LoopbackAddresses
{
    /// <summary>A random 127.a.b.c (a ≥ 1) with no TCP or UDP socket bound to it at the time of the call.</summary>
    public static IPAddress Next()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var address = new IPAddress(
            [
                127,
                (byte)Random.Shared.Next(1, 255),
                (byte)Random.Shared.Next(0, 256),
                (byte)Random.Shared.Next(1, 255),
            ]);
            if (!SocketTable.IsAddressInUse(address))
            {
                return address;
            }
        }

        throw new InvalidOperationException("No unused 127.0.0.0/8 address found in 100 random picks.");
    }

    /// <summary>
    /// One TCP port free on every address given, for peers that must share a port — e.g. all MX hosts of a test zone
    /// on the destination port the delivery code is configured with.
    /// </summary>
    public static int FreePortOnAll(IReadOnlyCollection<IPAddress> addresses)
    {
        ArgumentOutOfRangeException.ThrowIfZero(addresses.Count);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = FreePorts.Next(addresses.First());
            if (addresses.All(address => CanBind(address, port)))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No port free on all of {string.Join(", ", addresses)} in 50 tries.");
    }

    private static bool CanBind(IPAddress address, int port)
    {
        try
        {
            var listener = new TcpListener(address, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
