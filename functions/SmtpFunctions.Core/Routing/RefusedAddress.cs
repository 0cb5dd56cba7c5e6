using System.Net;

namespace SmtpFunctions.Core.Routing;

/// <summary>An MX address the outbound address policy will not connect to, and why.</summary>
/// <param name="Host">The exchanger's name as the MX record gave it (an address itself for an IP-literal target).</param>
/// <param name="Address">The refused address.</param>
/// <param name="Reason">What kind of address it is (<c>loopback</c>, <c>private (RFC 1918)</c>, …).</param>
public sealed record RefusedAddress(string Host, IPAddress Address, string Reason)
{
    /// <summary>As the failure reason lists it: <c>mx.example[127.0.0.1] (loopback)</c>.</summary>
    public override string ToString() => $"{Host}[{Address}] ({Reason})";
}
