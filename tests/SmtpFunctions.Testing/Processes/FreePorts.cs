using System.Net;
using System.Net.Sockets;

namespace SmtpFunctions.Testing.Processes;

/// <summary>Picks TCP ports nobody listens on, on a given loopback address.</summary>
public static class FreePorts
{
    /// <summary>A port free on <paramref name="address"/> (127.0.0.1 by default) at the time of the call.</summary>
    public static int Next(IPAddress? address = null)
    {
        using var listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
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
