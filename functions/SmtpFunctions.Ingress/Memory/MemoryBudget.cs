namespace SmtpFunctions.Ingress.Memory;

/// <summary>
/// Octets of message data the process holds at once (<c>Ingress:MaxBytesInFlight</c>): what SIZE declared at MAIL, and
/// DATA as it arrives. A reservation that does not fit is refused at once — the client hears <c>451 4.3.1</c> and tries
/// again later — rather than waited for, since a waiting client would still hold its connection and its data.
/// </summary>
public sealed class MemoryBudget
{
    private long _inUse;

    /// <summary>A budget of <paramref name="limit"/> octets.</summary>
    public MemoryBudget(long limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        Limit = limit;
    }

    /// <summary>Most octets reserved at once.</summary>
    public long Limit { get; }

    /// <summary>Octets reserved now.</summary>
    public long InUse => Interlocked.Read(ref _inUse);

    /// <summary>Reserves <paramref name="octets"/>, or returns false (and reserves nothing) when they do not fit.</summary>
    public bool TryReserve(long octets)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(octets);
        while (true)
        {
            var current = Interlocked.Read(ref _inUse);
            if (current + octets > Limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _inUse, current + octets, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Gives back octets reserved earlier.</summary>
    public void Release(long octets)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(octets);
        if (Interlocked.Add(ref _inUse, -octets) < 0)
        {
            throw new InvalidOperationException("More octets released than were reserved.");
        }
    }
}
