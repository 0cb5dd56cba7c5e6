using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Routing;

namespace SmtpFunctions.Core.Pacing;

/// <summary>
/// Where a recipient domain's mail goes, as pacing and the connection cache count it: the smart host, or the domain's
/// set of MX host names (all domains one provider hosts share it) on the delivery port.
/// </summary>
/// <param name="Key">Connection-cache and pacing key (<c>mx:a.example,b.example:25</c> or <c>smarthost:host:587</c>).</param>
/// <param name="HostNames">The MX host names (or the smart host), for matching per-destination limits.</param>
public sealed record Destination(string Key, IReadOnlyList<string> HostNames)
{
    /// <summary>The smart host every message goes to when one is configured.</summary>
    public static Destination ForSmartHost(SmartHostOptions smartHost)
    {
        ArgumentNullException.ThrowIfNull(smartHost);
        return new Destination($"smarthost:{smartHost.Host}:{smartHost.Port}", [smartHost.Host]);
    }

    /// <summary>A resolved MX route on <paramref name="port"/>.</summary>
    public static Destination ForRoute(MxRoute route, int port)
    {
        ArgumentNullException.ThrowIfNull(route);
        return new Destination(route.DestinationKey + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture), route.Hosts.Select(h => h.Name).ToList());
    }
}
