namespace SmtpFunctions.Core.Pacing;

/// <summary>Why pacing put a job back on the queue without an attempt.</summary>
public enum DeferralReason
{
    /// <summary>The destination is backing off after a throttling reply (421, 4.7.x).</summary>
    Throttled,

    /// <summary>Every session slot for the destination stayed busy for the whole slot wait.</summary>
    Concurrency,

    /// <summary>The destination's messages-per-minute limit leaves no turn within the slot wait.</summary>
    Rate,
}
