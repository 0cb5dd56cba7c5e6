namespace SmtpFunctions.Core.Bounces;

/// <summary>What a bounce collection did.</summary>
public enum BounceCollection
{
    /// <summary>No recipient of the message waits for a DSN.</summary>
    NothingPending,

    /// <summary>Some do, but other recipients are still in flight; a later collection reports them together.</summary>
    Waiting,

    /// <summary>The DSN was submitted (or none was due: the null sender) and the recipients marked reported.</summary>
    Sent,
}
