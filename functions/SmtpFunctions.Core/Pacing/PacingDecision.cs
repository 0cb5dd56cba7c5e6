namespace SmtpFunctions.Core.Pacing;

/// <summary>Either a lease to send now, or when to try the job again and why.</summary>
public sealed record PacingDecision
{
    private PacingDecision(PacingLease? lease, DateTimeOffset? deferUntil, DeferralReason reason, string destination)
    {
        Lease = lease;
        DeferUntil = deferUntil;
        Reason = reason;
        Destination = destination;
    }

    /// <summary>Set when the job may send: dispose it when the SMTP transaction is over.</summary>
    public PacingLease? Lease { get; }

    /// <summary>Set when the job must wait: put it back on the queue until then (spread included).</summary>
    public DateTimeOffset? DeferUntil { get; }

    /// <summary>Why the job waits (meaningless with a lease).</summary>
    public DeferralReason Reason { get; }

    /// <summary>The destination key (empty when the domain has no route: nothing to pace).</summary>
    public string Destination { get; }

    /// <summary>Send now.</summary>
    public static PacingDecision Go(PacingLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return new PacingDecision(lease, null, default, lease.Destination);
    }

    /// <summary>Try again at <paramref name="until"/>.</summary>
    public static PacingDecision Defer(DateTimeOffset until, DeferralReason reason, string destination) => new(null, until, reason, destination);
}
