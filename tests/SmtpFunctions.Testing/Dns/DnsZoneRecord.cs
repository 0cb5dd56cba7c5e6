namespace SmtpFunctions.Testing.Dns;

/// <summary>One resource record of a <see cref="DnsZone"/>.</summary>
/// <param name="Name">Owner name, fully qualified, lower case, no trailing dot.</param>
/// <param name="Type">A, AAAA, MX, TXT, CNAME…</param>
/// <param name="Data">RDATA in zone-file syntax.</param>
/// <param name="Ttl">Time to live.</param>
public sealed record DnsZoneRecord(string Name, string Type, string Data, TimeSpan Ttl);
