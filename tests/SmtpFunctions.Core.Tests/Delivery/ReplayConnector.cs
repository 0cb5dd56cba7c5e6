using System.Net;
using System.Net.Sockets;
using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Core.Tests.Delivery;

/// <summary>Hands out scripted peers by address; an address with no script left refuses the connection.</summary>
internal sealed class ReplayConnector : ISmtpPeerConnector
{
    private readonly Dictionary<string, Queue<SmtpReplayStream>> _peers = new(StringComparer.Ordinal);

    public List<string> Connections { get; } = [];

    public SmtpReplayStream Add(string address, params string[] replies)
    {
        var stream = new SmtpReplayStream(replies);
        if (!_peers.TryGetValue(address, out var queue))
        {
            _peers[address] = queue = new Queue<SmtpReplayStream>();
        }

        queue.Enqueue(stream);
        return stream;
    }

    public Task<Stream> ConnectAsync(string host, IPAddress? address, int port, CancellationToken cancellationToken)
    {
        var key = address?.ToString() ?? host;
        Connections.Add(key);
        if (_peers.TryGetValue(key, out var queue) && queue.TryDequeue(out var stream))
        {
            return Task.FromResult<Stream>(stream);
        }

        throw new SocketException((int)SocketError.ConnectionRefused);
    }
}
