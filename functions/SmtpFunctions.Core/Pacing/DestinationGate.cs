namespace SmtpFunctions.Core.Pacing;

/// <summary>
/// One destination's pacing state on this instance: sessions in use and jobs waiting for one, the rate limiter's next
/// free time, and the throttling backoff. Every member is guarded by locking the gate itself.
/// </summary>
internal sealed class DestinationGate
{
    /// <summary>Sessions (leases) in use.</summary>
    public int Active { get; set; }

    /// <summary>Jobs waiting for a slot, oldest first, each with the limit that applies to it.</summary>
    public LinkedList<SlotWaiter> Waiters { get; } = new();

    /// <summary>Earliest time the next message may start under the rate limit (GCRA's theoretical arrival time).</summary>
    public DateTimeOffset NextSendAt { get; set; }

    /// <summary>No session starts before this (throttling backoff).</summary>
    public DateTimeOffset BackoffUntil { get; set; }

    /// <summary>Backoffs in a row without an accepted delivery between them (0 when none).</summary>
    public int BackoffLevel { get; set; }

    /// <summary>The session limit the last job here was given (this instance's share, when limits are shared).</summary>
    public int Limit { get; set; } = int.MaxValue;

    /// <summary>Last time a job used the gate (idle gates are dropped).</summary>
    public DateTimeOffset LastUsed { get; set; }

    /// <summary>True when nothing would be lost by forgetting the gate.</summary>
    public bool IsIdle(DateTimeOffset now) =>
        Active == 0 && Waiters.Count == 0 && NextSendAt <= now && BackoffUntil <= now && BackoffLevel == 0;

    /// <summary>Gives a freed slot to the oldest waiters whose limit allows one more session.</summary>
    public void GrantWaiters()
    {
        for (var node = Waiters.First; node is not null;)
        {
            var next = node.Next;
            if (Active < node.Value.Limit)
            {
                Active++;
                Waiters.Remove(node);
                node.Value.Granted.TrySetResult();
            }

            node = next;
        }
    }
}
