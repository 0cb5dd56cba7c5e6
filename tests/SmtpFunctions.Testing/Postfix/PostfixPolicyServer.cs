using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmtpFunctions.Testing.Postfix;

/// <summary>
/// A Postfix policy service (<c>check_policy_service inet:127.0.0.1:port</c>) run inside the test process, so that a
/// real Postfix answers RCPT, DATA or end-of-DATA with replies a test scripts per request: greylisting (451 then 250),
/// throttling (421 and disconnect), rejections of chosen recipients.
/// </summary>
/// <remarks>
/// Protocol: Postfix SMTPD_POLICY_README — name=value lines ended by an empty line; the answer is
/// <c>action=…</c> and an empty line. Postfix keeps connections open and sends many requests on each.
/// A decision that throws is answered with <c>451 4.3.0</c> (so the mail is retried, never lost) and kept in
/// <see cref="Errors"/> for the test to see.
/// </remarks>
public sealed class PostfixPolicyServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentQueue<PostfixPolicyRequest> _requests = new();
    private readonly ConcurrentQueue<Exception> _errors = new();
    private readonly ConcurrentDictionary<Task, bool> _connections = new();
    private readonly Task _acceptLoop;
    private Func<PostfixPolicyRequest, string> _decide;

    private PostfixPolicyServer(Func<PostfixPolicyRequest, string> decide)
    {
        _decide = decide;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _acceptLoop = AcceptAsync();
    }

    /// <summary>Where Postfix reaches it.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The <c>check_policy_service</c> argument naming this server.</summary>
    public string PostfixAddress => $"inet:{EndPoint.Address}:{EndPoint.Port}";

    /// <summary>Every request seen, in order.</summary>
    public IReadOnlyList<PostfixPolicyRequest> Requests => [.. _requests];

    /// <summary>Exceptions thrown by the decision function.</summary>
    public IReadOnlyList<Exception> Errors => [.. _errors];

    /// <summary>Starts listening on 127.0.0.1 with a free port.</summary>
    public static PostfixPolicyServer Start(Func<PostfixPolicyRequest, string> decide) => new(decide);

    /// <summary>Replaces the decision function for the requests that follow (e.g. to stop greylisting).</summary>
    public void SetPolicy(Func<PostfixPolicyRequest, string> decide) => Volatile.Write(ref _decide, decide);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        await Task.WhenAll(_connections.Keys);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var connection = ServeAsync(client);
            _connections[connection] = true;
            _ = connection.ContinueWith(done => _connections.TryRemove(done, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            while (await reader.ReadLineAsync(_stopping.Token) is { } line)
            {
                if (line.Length > 0)
                {
                    var equals = line.IndexOf('=', StringComparison.Ordinal);
                    if (equals > 0)
                    {
                        attributes[line[..equals]] = line[(equals + 1)..];
                    }

                    continue;
                }

                var request = new PostfixPolicyRequest(attributes);
                attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                _requests.Enqueue(request);
                var action = Decide(request);
                var answer = Encoding.UTF8.GetBytes($"action={action}\n\n");
                await stream.WriteAsync(answer, _stopping.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Postfix closed the connection (idle timeout, smtpd exit) or the server is stopping.
        }
    }

    private string Decide(PostfixPolicyRequest request)
    {
        try
        {
            var action = Volatile.Read(ref _decide)(request);
            return string.IsNullOrWhiteSpace(action) ? "DUNNO" : action.ReplaceLineEndings(" ");
        }
#pragma warning disable CA1031 // Any failure of a test's decision must become a retryable reply, never a lost message.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _errors.Enqueue(ex);
            return "451 4.3.0 Test policy failed";
        }
    }
}
