using System.Net;

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
}
