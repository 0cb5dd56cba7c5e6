namespace SmtpFunctions.Ingress.Network;

/// <summary>
/// One connection's place in the <see cref="ConnectionLimiter"/>: unauthenticated until <see cref="Promote"/> (AUTH
/// succeeded; trusted clients start promoted). The limiter wakes the connection's waits through <see cref="Wake"/> when
/// the pressure changes (its timeouts change with it) or when it evicts the connection.
/// </summary>
public sealed class ConnectionSlot : IDisposable
{
    private readonly ConnectionLimiter _owner;
    private CancellationTokenSource _wake = new();
    private int _evicted;
    private int _released;

    internal ConnectionSlot(ConnectionLimiter owner, string key, bool authenticated)
    {
        _owner = owner;
        Key = key;
        IsAuthenticated = authenticated;
    }

    /// <summary>The per-client key (IPv4 address or IPv6 /64).</summary>
    public string Key { get; }

    /// <summary>True once authenticated (or trusted from the start).</summary>
    public bool IsAuthenticated { get; private set; }

    /// <summary>True when the limiter closed this connection to make room for a new one.</summary>
    public bool IsEvicted => Volatile.Read(ref _evicted) == 1;

    /// <summary>True once the ingress is stopping (<see cref="ConnectionLimiter.Drain"/>).</summary>
    public bool IsDraining => _owner.IsDraining;

    /// <summary>True while the ingress is under pressure: the shortened timeouts apply to unauthenticated connections.</summary>
    public bool UnderPressure => _owner.UnderPressure;

    /// <summary>Cancelled when the connection should look again at its deadlines (pressure changed, it was evicted, or the ingress drains).</summary>
    public CancellationToken Wake => Volatile.Read(ref _wake).Token;

    /// <summary>In the limiter's list of unauthenticated connections, oldest first; null once promoted or detached.</summary>
    internal LinkedListNode<ConnectionSlot>? Node { get; set; }

    /// <summary>True once the limiter no longer counts this connection (released, or evicted).</summary>
    internal bool Detached { get; set; }

    /// <summary>Moves the connection to the authenticated ones: no pre-AUTH limit, no eviction.</summary>
    public void Promote()
    {
        if (!IsAuthenticated)
        {
            IsAuthenticated = true;
            _owner.Promote(this);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _owner.Release(this);
        }
    }

    /// <summary>Marks the connection evicted and wakes it, so that it closes itself at its next wait.</summary>
    internal void Evict()
    {
        Volatile.Write(ref _evicted, 1);
        Signal();
    }

    /// <summary>Wakes the connection's current wait; later waits get a fresh token.</summary>
    internal void Signal()
    {
        // Not disposed: a wait may still be registering on its token, and a source without a timer holds nothing to free.
        var previous = Interlocked.Exchange(ref _wake, new CancellationTokenSource());
        previous.Cancel();
    }
}
