using System.Net;

namespace SmtpFunctions.Core.Routing;

/// <summary>One mail exchanger of a domain with the addresses to try, in order.</summary>
/// <param name="Name">Host name (the domain itself for an implicit MX).</param>
/// <param name="Preference">MX preference; lower is tried first.</param>
/// <param name="Addresses">IPv4 then IPv6 addresses of the host.</param>
public sealed record MxHost(string Name, int Preference, IReadOnlyList<IPAddress> Addresses);
