namespace SmtpFunctions.Testing.Postfix;

/// <summary>Sessions an <see cref="SmtpSink"/> saw, counted on the peer's side from its own log.</summary>
/// <param name="Total">Connections accepted.</param>
/// <param name="MaxConcurrent">Most sessions open at once.</param>
/// <param name="Open">Sessions open now.</param>
public sealed record SmtpSinkSessions(int Total, int MaxConcurrent, int Open);
