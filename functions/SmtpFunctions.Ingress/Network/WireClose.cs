namespace SmtpFunctions.Ingress.Network;

/// <summary>Why the wire ended a session itself.</summary>
public enum WireClose
{
    /// <summary>It did not; the session ended otherwise.</summary>
    None,

    /// <summary>The client sent octets before the greeting.</summary>
    EarlyTalker,

    /// <summary>No octets for <c>CommandTimeout</c>, or a command line or DATA not complete in time (a trickle).</summary>
    IdleTimeout,

    /// <summary>No successful AUTH within <c>PreAuthTimeout</c>.</summary>
    PreAuthTimeout,

    /// <summary>Closed to make room for a new connection (the oldest unauthenticated one, when the caps were reached).</summary>
    Evicted,

    /// <summary>The session lasted longer than <c>SessionTimeout</c>.</summary>
    SessionTimeLimit,

    /// <summary>Too many refused commands.</summary>
    TooManyErrors,

    /// <summary>The ingress is stopping; closed at a command wait, never in DATA.</summary>
    ShuttingDown,
}
