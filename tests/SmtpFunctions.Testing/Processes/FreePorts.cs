using System.Net;
using System.Net.Sockets;

namespace SmtpFunctions.Testing.Processes;

/// <summary>Picks TCP ports nobody listens on, on a given loopback address.</summary>
/// <remarks>
/// Below the kernel's ephemeral range (32768–60999 by default): a port the kernel hands out for "any free port" is
/// also what it hands every outgoing connection as its local port, so with test projects running in parallel such a
/// port was seen taken by a client's connection between being picked and being bound (EADDRINUSE in Azurite).
/// </remarks>
public static class FreePorts
{
    private const int First = 20000;
    private const int Last = 32767;

    /// <summary>A port free on <paramref name="address"/> (127.0.0.1 by default) at the time of the call.</summary>
    public static int Next(IPAddress? address = null)
    {
        for (var tries = 0; tries < 200; tries++)
        {
            var port = Random.Shared.Next(First, Last + 1);
            try
            {
                using var listener = new TcpListener(address ?? IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        using var any = new TcpListener(address ?? IPAddress.Loopback, 0);
        any.Start();
        var chosen = ((IPEndPoint)any.LocalEndpoint).Port;
        any.Stop();
        return chosen;
    }

    /// <summary>Waits until something accepts connections on the endpoint.</summary>
    public static async Task WaitForListenerAsync(IPAddress address, int port, TimeSpan timeout, Func<bool>? stillRunning = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(address, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && (stillRunning?.Invoke() ?? true))
            {
                await Task.Delay(50);
            }
        }
    }
}
