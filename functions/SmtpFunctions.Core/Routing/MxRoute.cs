using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Core.Routing;

/// <summary>Where a domain's mail goes: its mail exchangers in the order to try, or why there is nowhere to go.</summary>
/// <param name="Domain">The recipient domain.</param>
/// <param name="Hosts">Exchangers by preference, equal preferences shuffled; empty when <paramref name="Failure"/> is set.</param>
/// <param name="Failure">The classified lookup failure (transient or permanent), or null.</param>
/// <param name="Implicit">No MX records: the domain's own addresses are used (RFC 5321 §5.1).</param>
public sealed record MxRoute(string Domain, IReadOnlyList<MxHost> Hosts, DeliveryReply? Failure, bool Implicit = false)
{
    /// <summary>A key naming the destination for the connection cache: the same exchanger set shares sessions.</summary>
    public string DestinationKey => "mx:" + string.Join(',', Hosts.Select(h => h.Name).Order(StringComparer.Ordinal));
}
