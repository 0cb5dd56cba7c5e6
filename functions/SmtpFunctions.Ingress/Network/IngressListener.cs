using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.Ingress.Memory;
using SmtpFunctions.Ingress.Options;
using SmtpFunctions.Ingress.Protocol;
using SmtpFunctions.Ingress.Telemetry;
using SmtpFunctions.Ingress.Tls;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;

namespace SmtpFunctions.Ingress.Network;

/// <summary>
/// Accepts connections for one endpoint: refuses those over the connection caps, and gives each accepted one its
/// <see cref="SessionState"/> and <see cref="IngressPipe"/>. Counts every connection once, when it ends.
/// </summary>
public sealed partial class IngressListener : IEndpointListener
{
    private readonly TcpListener _listener;
    private readonly ListenerKind _kind;
    private readonly IngressSettings _settings;
    private readonly TlsCertificate _certificate;
    private readonly ConnectionLimiter _limiter;
    private readonly MemoryBudget _budget;
    private readonly MailMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly CancellationTokenRegistration _stopOnDrain;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Action _onStopped;
    private int _stopped;

    internal IngressListener(
        TcpListener listener, ListenerKind kind, IngressSettings settings, TlsCertificate certificate, ConnectionLimiter limiter,
        MemoryBudget budget, MailMetrics metrics, TimeProvider time, ILoggerFactory loggerFactory, Action onStopped)
    {
        _listener = listener;
        _kind = kind;
        _settings = settings;
        _certificate = certificate;
        _limiter = limiter;
        _budget = budget;
        _metrics = metrics;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<IngressListener>();
        _onStopped = onStopped;
        _stopOnDrain = limiter.Draining.Register(StopListening);
    }

    /// <inheritdoc />
    public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        while (true)
        {
            var socket = await AcceptAsync(cancellationToken);
            socket.NoDelay = true;
            var remote = (IPEndPoint)socket.RemoteEndPoint!;
            var client = ClientAddress.Normalize(remote.Address);
            var trusted = _settings.TrustedNetworks.Contains(client);
            var lease = _limiter.TryAcquire(client, trusted, out var clientAtLimit);
            if (lease is null)
            {
                await RefuseAsync(socket, client, clientAtLimit);
                continue;
            }

            context.Properties[EndpointListener.LocalEndPointKey] = _listener.LocalEndpoint;
            context.Properties[EndpointListener.RemoteEndPointKey] = remote;
            var sessionLogger = new SessionLogger(_loggerFactory.CreateLogger("SmtpFunctions.Ingress.Session"), context.SessionId.ToString("N"), client.ToString());
            var started = Stopwatch.GetTimestamp();
            SessionState? state = null;
            var wire = _settings.WireFor(trusted, _time);
            var pipe = new IngressPipe(
                socket,
                _certificate,
                () => lease.UnderPressure && !lease.IsAuthenticated ? wire.StressCommandTimeout : wire.CommandTimeout,
                lease,
                network => new SmtpWireStream(network, socket, wire, trusted, () => context.Authentication.IsAuthenticated, lease, _budget, sessionLogger),
                ended =>
                {
                    lease.Dispose();
                    var result = state?.Result(ended) ?? "completed";
                    _metrics.Ingress.Add(1, new KeyValuePair<string, object?>("result", result), new KeyValuePair<string, object?>("endpoint", EndpointTag));
                    var accepted = state?.MessagesAccepted ?? 0;
                    // A session that ended normally after accepting mail is told by its messages' own lines (event 1001,
                    // with this SessionId in scope); every other ending is worth a line of its own.
                    var level = result == "completed" && accepted > 0 ? LogLevel.Debug : LogLevel.Information;
                    LogSessionEnded(sessionLogger, level, result, accepted, Stopwatch.GetElapsedTime(started).TotalSeconds);
                });
            state = new SessionState(client, trusted, _settings.TrustedSenderDomains, pipe.Wire, lease);
            context.Properties[SessionState.PropertyKey] = state;
            LogSessionStarted(sessionLogger, EndpointTag, trusted);
            return pipe;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stopOnDrain.Dispose();
        StopListening();
    }

    // Draining, it accepts nothing more: the listening socket is closed (new connections are refused, and /healthz says
    // so), and this waits for SmtpServer's own token, which the service cancels after the last session. Not SmtpServer's
    // Shutdown(): that cancels the sessions' token too, cutting off a message between its commit and its 250.
    private async Task<Socket> AcceptAsync(CancellationToken cancellationToken)
    {
        if (!_limiter.IsDraining)
        {
            try
            {
                return await _listener.AcceptSocketAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException && _limiter.IsDraining)
            {
                // The drain closed the listening socket under the pending accept.
            }
        }

        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new OperationCanceledException(cancellationToken);
    }

    private void StopListening()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            _listener.Stop();
            _onStopped();
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Listening for SMTP submission ({Kind}) on {Endpoint}")]
    internal static partial void LogListening(ILogger logger, ListenerKind kind, IPEndPoint endpoint);

    private string EndpointTag => _kind == ListenerKind.ImplicitTls ? "implicit-tls" : "starttls";

    private async Task RefuseAsync(Socket socket, IPAddress client, bool clientAtLimit)
    {
        LogRefused(_logger, client, _limiter.Open);
        _metrics.Ingress.Add(1, new KeyValuePair<string, object?>("result", "refused"), new KeyValuePair<string, object?>("endpoint", EndpointTag));
        using (socket)
        {
            if (_kind == ListenerKind.StartTls)
            {
                try
                {
                    var reply = Encoding.ASCII.GetBytes(clientAtLimit
                        ? $"421 4.7.0 {_settings.ServerName} Error: too many connections from your address\r\n"
                        : $"421 4.3.2 {_settings.ServerName} Error: too many connections; try again later\r\n");
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                    await socket.SendAsync(reply, SocketFlags.None, timeout.Token);
                    socket.Shutdown(SocketShutdown.Both);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    // Gone already; it is refused either way.
                }
            }
        }
    }

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Refused a connection from {Client}: connection limit reached ({Open} open)")]
    private static partial void LogRefused(ILogger logger, IPAddress client, int open);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Session started on {Endpoint}, trusted network: {Trusted}")]
    private static partial void LogSessionStarted(ILogger logger, string endpoint, bool trusted);

    [LoggerMessage(EventId = 5004, Message = "Session ended: {Result}, {Messages} messages accepted, {Seconds:F1} s")]
    private static partial void LogSessionEnded(ILogger logger, LogLevel level, string result, int messages, double seconds);
}
