using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Delivery;

/// <summary>TCP connections with the configured connect timeout.</summary>
public sealed class TcpSmtpPeerConnector(IOptions<DeliveryOptions> options) : ISmtpPeerConnector
{
    private readonly TimeSpan _timeout = options.Value.ConnectTimeout;

    /// <inheritdoc />
    public async Task<Stream> ConnectAsync(string host, IPAddress? address, int port, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (address is not null)
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), timeout.Token);
            }
            else
            {
                await socket.ConnectAsync(host, port, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new SocketException((int)SocketError.TimedOut);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new NetworkStream(socket, ownsSocket: true);
    }
}
