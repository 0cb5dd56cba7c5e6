using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmtpFunctions.Testing.Peers;

/// <summary>
/// A misbehaving SMTP peer on a real socket (an address of 127.0.0.0/8 and a port of the test's choosing) for what
/// Postfix's smtp-sink cannot play: silence after accepting, a greeting dripped one byte at a time, a STARTTLS that
/// breaks the handshake. Each connection is served on its own task; <see cref="DisposeAsync"/> closes them all.
/// </summary>
public sealed class ScriptedSmtpPeer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _sessions = [];
    private readonly ConcurrentQueue<string> _messages = new();
    private readonly SemaphoreSlim _connected = new(0);
    private readonly Task _accepting;
    private int _connections;

    private ScriptedSmtpPeer(IPAddress address, int port, ScriptedPeerMode mode, TimeSpan dripInterval)
    {
        Mode = mode;
        DripInterval = dripInterval;
        _listener = new TcpListener(address, port);
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _accepting = AcceptAsync();
    }

    /// <summary>How it misbehaves.</summary>
    public ScriptedPeerMode Mode { get; }

    /// <summary>Time between two bytes of a dripped greeting.</summary>
    public TimeSpan DripInterval { get; }

    /// <summary>Where it listens.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The listening address.</summary>
    public IPAddress Address => EndPoint.Address;

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Messages received whole (after DATA, up to the final dot), as text.</summary>
    public IReadOnlyCollection<string> Messages => _messages;

    /// <summary>Starts listening on <paramref name="address"/>:<paramref name="port"/>.</summary>
    public static ScriptedSmtpPeer Start(IPAddress address, int port, ScriptedPeerMode mode, TimeSpan? dripInterval = null) =>
        new(address, port, mode, dripInterval ?? TimeSpan.FromSeconds(1));

    /// <summary>Completes when the next connection (counting from the last call) has been accepted.</summary>
    public Task WaitForConnectionAsync(TimeSpan timeout) => _connected.WaitAsync(timeout).ContinueWith(
        t => t.Result ? Task.CompletedTask : throw new TimeoutException($"No connection to {EndPoint} within {timeout}."), TaskScheduler.Default).Unwrap();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await IgnoreAsync(_accepting);
        foreach (var session in _sessions)
        {
            await IgnoreAsync(session);
        }

        _stop.Dispose();
        _connected.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            Interlocked.Increment(ref _connections);
            _connected.Release();
            _sessions.Add(ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var owned = socket;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            switch (Mode)
            {
                case ScriptedPeerMode.Silent:
                    await Task.Delay(Timeout.InfiniteTimeSpan, _stop.Token);
                    break;
                case ScriptedPeerMode.DripGreeting:
                    await DripAsync(stream);
                    break;
                default:
                    await ConverseAsync(stream);
                    break;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
        {
            // The client hung up, or the test is over.
        }
    }

    private async Task DripAsync(NetworkStream stream)
    {
        var line = "220-dripping, one byte at a time\r\n"u8.ToArray();
        for (var i = 0; ; i = (i + 1) % line.Length)
        {
            await stream.WriteAsync(line.AsMemory(i, 1), _stop.Token);
            await Task.Delay(DripInterval, _stop.Token);
        }
    }

    private async Task ConverseAsync(NetworkStream stream)
    {
        var reader = new LineReader(stream);
        await ReplyAsync(stream, "220 scripted.peer.test ESMTP");
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            var verb = line.Split(' ', 2)[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await ReplyAsync(stream, "250-scripted.peer.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-STARTTLS\r\n250 ENHANCEDSTATUSCODES");
                    break;
                case "STARTTLS":
                    // A TLS stack that breaks: the go-ahead, then an alert-shaped record that is not one, and goodbye.
                    await ReplyAsync(stream, "220 2.0.0 Ready to start TLS");
                    await stream.WriteAsync("\x15\x03\x01\x00\x02this is not TLS\r\n"u8.ToArray(), _stop.Token);
                    return;
                case "DATA":
                    await ReplyAsync(stream, "354 End data with <CR><LF>.<CR><LF>");
                    var message = new StringBuilder();
                    while (await reader.ReadLineAsync(_stop.Token) is { } data && data != ".")
                    {
                        message.Append(data.StartsWith("..", StringComparison.Ordinal) ? data[1..] : data).Append("\r\n");
                    }

                    _messages.Enqueue(message.ToString());
                    await ReplyAsync(stream, "250 2.0.0 Ok: queued");
                    break;
                case "QUIT":
                    await ReplyAsync(stream, "221 2.0.0 Bye");
                    return;
                default:
                    await ReplyAsync(stream, "250 2.0.0 Ok");
                    break;
            }
        }
    }

    private Task ReplyAsync(NetworkStream stream, string reply) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes(reply + "\r\n"), _stop.Token).AsTask();

    private static async Task IgnoreAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping.
        }
    }

    // Reads CRLF (or LF) terminated lines off the socket, as ASCII/UTF-8 text.
    private sealed class LineReader(NetworkStream stream)
    {
        private readonly byte[] _buffer = new byte[8192];
        private readonly List<byte> _line = [];
        private int _offset;
        private int _count;

        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                while (_offset < _count)
                {
                    var b = _buffer[_offset++];
                    if (b == (byte)'\n')
                    {
                        var text = Encoding.UTF8.GetString([.. _line]).TrimEnd('\r');
                        _line.Clear();
                        return text;
                    }

                    _line.Add(b);
                }

                _count = await stream.ReadAsync(_buffer, cancellationToken);
                _offset = 0;
                if (_count == 0)
                {
                    return null;
                }
            }
        }
    }
}
