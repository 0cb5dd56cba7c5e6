namespace SmtpFunctions.Ingress.Network;

/// <summary>Why the wire ended a session itself.</summary>
public enum WireClose
{
    /// <summary>It did not; the session ended otherwise.</summary>
    None,

    /// <summary>The client sent octets before the greeting.</summary>
    EarlyTalker,

    /// <summary>No octets for <c>CommandTimeout</c>.</summary>
    IdleTimeout,

    /// <summary>The session lasted longer than <c>SessionTimeout</c>.</summary>
    SessionTimeLimit,

    /// <summary>Too many refused commands.</summary>
    TooManyErrors,
}
