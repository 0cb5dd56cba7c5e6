using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SmtpFunctions.Testing.Processes;

/// <summary>
/// Reads the kernel's socket tables (<c>/proc/net/tcp</c>, <c>udp</c> and their IPv6 twins) to tell whether a daemon
/// listens, without connecting to it: a probe connection would show up as a session in the peer's own counters and logs.
/// </summary>
public static class SocketTable
{
    private const string ListenState = "0A";

    /// <summary>True when some process listens for TCP connections on exactly this address and port.</summary>
    public static bool IsListening(IPAddress address, int port) =>
        ReadTcp(address.AddressFamily).Any(entry => entry.State == ListenState && entry.Port == port && entry.Address.Equals(address));

    /// <summary>True when any TCP or UDP socket (listening or connected) is bound to the address.</summary>
    public static bool IsAddressInUse(IPAddress address)
    {
        var family = address.AddressFamily;
        return ReadTcp(family).Concat(ReadUdp(family)).Any(entry => entry.Address.Equals(address));
    }

    /// <summary>True when a UDP socket is bound to the address and port.</summary>
    public static bool IsUdpBound(IPAddress address, int port) =>
        ReadUdp(address.AddressFamily).Any(entry => entry.Port == port && entry.Address.Equals(address));

    /// <summary>Waits until something listens on the endpoint, failing early when <paramref name="stillRunning"/> says the daemon died.</summary>
    public static async Task WaitForListenerAsync(IPAddress address, int port, TimeSpan timeout, Func<bool> stillRunning, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!IsListening(address, port))
        {
            if (!stillRunning())
            {
                throw new InvalidOperationException($"The process exited before listening on {Format(address, port)}.");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Nothing listened on {Format(address, port)} within {timeout.TotalSeconds:0.#} s.");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>"127.1.2.3:25" or "[::1]:25".</summary>
    public static string Format(IPAddress address, int port) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";

    private static List<SocketEntry> ReadTcp(AddressFamily family) =>
        Read(family == AddressFamily.InterNetworkV6 ? "/proc/net/tcp6" : "/proc/net/tcp");

    private static List<SocketEntry> ReadUdp(AddressFamily family) =>
        Read(family == AddressFamily.InterNetworkV6 ? "/proc/net/udp6" : "/proc/net/udp");

    private static List<SocketEntry> Read(string path)
    {
        var entries = new List<SocketEntry>();
        if (!File.Exists(path))
        {
            return entries;
        }

        foreach (var line in File.ReadLines(path).Skip(1))
        {
            // "  0: 0100007F:1F90 00000000:0000 0A ..." — local address, remote address, state.
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 4)
            {
                continue;
            }

            var local = fields[1].Split(':');
            entries.Add(new SocketEntry(ParseAddress(local[0]), int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture), fields[3]));
        }

        return entries;
    }

    private static IPAddress ParseAddress(string hex)
    {
        // The kernel prints each 32-bit word of the address in host byte order (little-endian here).
        var bytes = new byte[hex.Length / 2];
        for (var word = 0; word < bytes.Length / 4; word++)
        {
            var value = uint.Parse(hex.AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4, 4), value);
        }

        return new IPAddress(bytes);
    }

    private readonly record struct SocketEntry(IPAddress Address, int Port, string State);
}
