namespace SmtpFunctions.Core.Delivery;

/// <summary>What the deadline stream saw go wrong: the stage, the kind of failure, and the limit that applied.</summary>
/// <param name="Stage">The dialogue stage at the time.</param>
/// <param name="Kind">Timed out, out of attempt budget, or connection lost.</param>
/// <param name="WhileReading">True when waiting for a reply, false when writing.</param>
/// <param name="Limit">The timeout (or budget) that ran out; zero for a lost connection.</param>
internal sealed record SmtpTrouble(SmtpStage Stage, SmtpTroubleKind Kind, bool WhileReading, TimeSpan Limit)
{
    /// <summary>
    /// The whole message and the final dot were sent, and no reply came: the peer may have accepted it, so delivering it
    /// again may deliver it twice (RFC 1047; Postfix's "message may be sent more than once").
    /// </summary>
    public bool AfterEndOfData => Stage == SmtpStage.DataContent && WhileReading;
}
