using System.Net;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Ingress.Options;

namespace SmtpFunctions.Ingress.Network;

/// <summary>
/// Caps simultaneous connections: in total, per client (IPv4 address or IPv6 /64; not for trusted networks, and not at
/// all where addresses are proxied), and unauthenticated ones on their own, so that idle or slow clients never take the
/// slots of those who log in. When a cap leaves no room, the oldest unauthenticated connection is closed to make room;
/// only when every connection is authenticated is a newcomer refused. Past <c>StressThresholdPercent</c> of the
/// unauthenticated cap the ingress is under pressure and unauthenticated connections get the shorter stress timeouts.
/// </summary>
/// <remarks>
/// Postfix's stress mode (smtpd_timeout 10 s, per-request deadlines when all smtpd processes are busy) is the model for the
/// pressure; the split by authentication is because a submission server knows its legitimate clients by their AUTH.
/// </remarks>
public sealed partial class ConnectionLimiter : IDisposable
{
    private readonly Dictionary<string, int> _perClient = new(StringComparer.Ordinal);
    private readonly LinkedList<ConnectionSlot> _unauthenticated = new();
    // The counted connections (not released, not evicted): their number is Open, and a drain wakes each.
    private readonly HashSet<ConnectionSlot> _open = [];
    private readonly CancellationTokenSource _draining = new();
    private readonly Lock _gate = new();
    private readonly IngressOptions _options;
    private readonly bool _perClientLimit;
    private readonly int _stressOn;
    private readonly int _stressOff;
    private readonly ILogger<ConnectionLimiter> _logger;
    private volatile bool _underPressure;

    /// <summary>Creates the limiter.</summary>
    public ConnectionLimiter(IngressSettings settings, ILogger<ConnectionLimiter> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _options = settings.Options;
        _perClientLimit = !settings.AddressesAreProxied;
        _logger = logger;
        _stressOn = Math.Max(1, (int)Math.Ceiling(_options.MaxUnauthenticatedConnections * _options.StressThresholdPercent / 100.0));
        _stressOff = _stressOn * 2 / 3;
    }

    /// <summary>Connections open now.</summary>
    public int Open
    {
        get
        {
            lock (_gate)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>Unauthenticated connections open now.</summary>
    public int Unauthenticated
    {
        get
        {
            lock (_gate)
            {
                return _unauthenticated.Count;
            }
        }
    }

    /// <summary>True while unauthenticated connections are at the stress threshold (until they fall below two thirds of it).</summary>
    public bool UnderPressure => _underPressure;

    /// <summary>
    /// Takes a slot for a new connection, closing the oldest unauthenticated one if that is what it takes; null when the
    /// client is at its own cap (<paramref name="clientAtLimit"/>) or every connection is authenticated. Dispose the slot
    /// when the connection ends.
    /// </summary>
    public ConnectionSlot? TryAcquire(IPAddress client, bool trusted, out bool clientAtLimit)
    {
        var key = ClientAddress.LimitKey(client);
        clientAtLimit = false;
        ConnectionSlot slot;
        ConnectionSlot? victim = null;
        List<ConnectionSlot>? wake;
        lock (_gate)
        {
            if (!trusted && _perClientLimit && _perClient.GetValueOrDefault(key) >= _options.MaxConnectionsPerClient)
            {
                clientAtLimit = true;
                return null;
            }

            if (_open.Count >= _options.MaxConnections || (!trusted && _unauthenticated.Count >= _options.MaxUnauthenticatedConnections))
            {
                if (_unauthenticated.First is not { } oldest)
                {
                    return null;
                }

                victim = oldest.Value;
                Detach(victim);
            }

            slot = new ConnectionSlot(this, key, authenticated: trusted);
            _open.Add(slot);
            _perClient[key] = _perClient.GetValueOrDefault(key) + 1;
            if (!trusted)
            {
                slot.Node = _unauthenticated.AddLast(slot);
            }

            wake = UpdatePressure();
        }

        if (victim is not null)
        {
            LogEvicted(_logger, victim.Key);
            victim.Evict();
        }

        WakeAll(wake);
        return slot;
    }

    /// <summary>True once <see cref="Drain"/> was called: the ingress is stopping.</summary>
    public bool IsDraining => _draining.IsCancellationRequested;

    /// <summary>Cancelled by <see cref="Drain"/>; the listeners stop accepting on it.</summary>
    public CancellationToken Draining => _draining.Token;

    /// <summary>
    /// The ingress is stopping: wakes every connection, so that each answers its next command wait with 421 and closes
    /// (a connection in DATA finishes its message first), and tells the listeners to stop accepting. Idempotent.
    /// </summary>
    public void Drain()
    {
        List<ConnectionSlot> open;
        lock (_gate)
        {
            if (_draining.IsCancellationRequested)
            {
                return;
            }

            // Set before the wake-up: a connection that reads its wake token after this sees the flag at its next look.
            _draining.Cancel();
            open = [.. _open];
        }

        WakeAll(open);
    }

    /// <inheritdoc />
    public void Dispose() => _draining.Dispose();

    internal void Promote(ConnectionSlot slot)
    {
        List<ConnectionSlot>? wake = null;
        lock (_gate)
        {
            if (slot.Node is { } node)
            {
                _unauthenticated.Remove(node);
                slot.Node = null;
                wake = UpdatePressure();
            }
        }

        WakeAll(wake);
    }

    internal void Release(ConnectionSlot slot)
    {
        List<ConnectionSlot>? wake;
        lock (_gate)
        {
            if (slot.Detached)
            {
                return;
            }

            Detach(slot);
            wake = UpdatePressure();
        }

        WakeAll(wake);
    }

    // Under the lock: stops counting a connection (it is closing, or being evicted).
    private void Detach(ConnectionSlot slot)
    {
        slot.Detached = true;
        _open.Remove(slot);
        if (--_perClient[slot.Key] == 0)
        {
            _perClient.Remove(slot.Key);
        }

        if (slot.Node is { } node)
        {
            _unauthenticated.Remove(node);
            slot.Node = null;
        }
    }

    // Under the lock: enters or leaves pressure; the unauthenticated connections to wake when it changed (their deadlines did).
    private List<ConnectionSlot>? UpdatePressure()
    {
        var count = _unauthenticated.Count;
        var pressure = _underPressure ? count > _stressOff : count >= _stressOn;
        if (pressure == _underPressure)
        {
            return null;
        }

        _underPressure = pressure;
        if (pressure)
        {
            LogPressure(_logger, count, _options.StressCommandTimeout, _options.StressPreAuthTimeout);
        }
        else
        {
            LogPressureOver(_logger, count);
        }

        return [.. _unauthenticated];
    }

    private static void WakeAll(List<ConnectionSlot>? slots)
    {
        foreach (var slot in slots ?? [])
        {
            slot.Signal();
        }
    }

    [LoggerMessage(EventId = 5005, Level = LogLevel.Debug, Message = "Closing the oldest unauthenticated connection (from {Client}) to make room for a new one")]
    private static partial void LogEvicted(ILogger logger, string client);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning,
        Message = "Under pressure: {Unauthenticated} unauthenticated connections; their idle limit is now {CommandTimeout} and AUTH must come within {PreAuthTimeout}")]
    private static partial void LogPressure(ILogger logger, int unauthenticated, TimeSpan commandTimeout, TimeSpan preAuthTimeout);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "Pressure over: {Unauthenticated} unauthenticated connections")]
    private static partial void LogPressureOver(ILogger logger, int unauthenticated);
}
