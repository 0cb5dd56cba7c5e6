namespace SmtpFunctions.Core.Delivery;

/// <summary>How a session's byte stream failed.</summary>
internal enum SmtpTroubleKind
{
    /// <summary>A stage's deadline passed (the peer was silent, too slow, or dripped its reply).</summary>
    TimedOut,

    /// <summary>The attempt's wall-clock budget (<see cref="Options.DeliveryOptions.AttemptTimeout"/>) ran out.</summary>
    AttemptBudget,

    /// <summary>The peer closed the connection.</summary>
    Lost,
}
