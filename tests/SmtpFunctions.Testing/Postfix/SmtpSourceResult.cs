namespace SmtpFunctions.Testing.Postfix;

/// <summary>The outcome of one <c>smtp-source</c> run.</summary>
/// <param name="ExitCode">0 when every message got its positive replies.</param>
/// <param name="Output">What it printed (errors name the failing reply).</param>
/// <param name="Elapsed">Wall-clock time of the run.</param>
public sealed record SmtpSourceResult(int ExitCode, string Output, TimeSpan Elapsed);
