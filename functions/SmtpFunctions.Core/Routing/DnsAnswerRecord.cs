namespace SmtpFunctions.Core.Routing;

/// <summary>One MX, A or AAAA record.</summary>
/// <param name="Value">The exchange host name (MX, without trailing dot; "." for a null MX) or the address (A/AAAA).</param>
/// <param name="Preference">MX preference; 0 for addresses.</param>
/// <param name="Ttl">Time to live.</param>
public sealed record DnsAnswerRecord(string Value, int Preference, TimeSpan Ttl);
