namespace SmtpFunctions.Core.Sweeping;

/// <summary>What the poison watcher did with one message from <c>outbound-poison</c>.</summary>
public enum PoisonDisposition
{
    /// <summary>The body is not a delivery job: logged, counted, dropped.</summary>
    Malformed,

    /// <summary>No committed submission matches the job (an orphan, as delivery would have found): dropped.</summary>
    Orphan,

    /// <summary>Every recipient of the job is final, or has moved on to a later round: nothing to do.</summary>
    NothingPending,

    /// <summary>Its recipients (or its bounce) are queued again after <c>Sweeper:PoisonRedriveDelay</c>.</summary>
    Redriven,

    /// <summary>At least one recipient was past <c>Sweeper:MaxPoisonRedrives</c> and failed for good, with a DSN requested.</summary>
    Failed,

    /// <summary>A bounce job past the limit: its failures are no longer waiting for a DSN (the sender is not told).</summary>
    DsnAbandoned,
}
