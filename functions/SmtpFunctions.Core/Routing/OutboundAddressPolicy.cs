using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Routing;

/// <summary>
/// Decides which resolved MX addresses delivery may connect to: public unicast only, unless a configured network admits
/// the address (<see cref="RoutingOptions.AllowedNetworks"/>). The smart host is not routed, so it is never checked.
/// </summary>
/// <remarks>
/// Whoever controls a recipient domain controls its MX and address records; without this check a message to such a
/// domain makes us speak SMTP to loopback, the VNet or the cloud's metadata endpoint, and the peer's replies come back
/// through the status API (server-side request forgery). Refused, like Haraka's <c>local_mx_ok = false</c>:
/// IPv4 0.0.0.0/8 (RFC 1122 "this network"), 10/8, 172.16/12 and 192.168/16 (RFC 1918), 100.64/10 (RFC 6598 shared
/// space), 127/8 (loopback), 169.254/16 (link-local, with the metadata endpoint), 224/4 (multicast), 240/4 (reserved,
/// broadcast), 168.63.129.16 (Azure's platform endpoint); IPv6 :: and ::1, fe80::/10 (link-local), fec0::/10
/// (site-local, RFC 3879), fc00::/7 (unique local, RFC 4193), ff00::/8 (multicast), ::/96 (IPv4-compatible, deprecated
/// by RFC 4291 §2.5.5.1), 64:ff9b:1::/48 (local-use NAT64, RFC 8215); and the IPv4 address inside ::ffff:0:0/96
/// (mapped), 64:ff9b::/96 (NAT64, RFC 6052) and 2002::/16 (6to4, RFC 3056) is judged as IPv4. An MX target written as
/// an IP literal is refused whatever the address (RFC 5321 §5.1 wants a host name), unless an allowed network holds it.
/// </remarks>
public sealed partial class OutboundAddressPolicy
{
    private static readonly IPAddress AzurePlatform = IPAddress.Parse("168.63.129.16");
    private readonly bool _enabled;
    private readonly IReadOnlyList<IPNetwork> _allowed;
    private readonly ILogger<OutboundAddressPolicy> _logger;

    /// <summary>Creates the policy from <see cref="RoutingOptions"/> (validated at start, so the list parses).</summary>
    public OutboundAddressPolicy(IOptions<RoutingOptions> options, ILogger<OutboundAddressPolicy> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _enabled = options.Value.RefuseInternalAddresses;
        _allowed = TryParseNetworks(options.Value.AllowedNetworks, out var networks, out var problem)
            ? networks
            : throw new FormatException(problem);
        _logger = logger;
    }

    /// <summary>
    /// The route with the addresses the policy refuses taken out (hosts left without any address dropped); each refused
    /// address is added to <paramref name="refused"/> and logged.
    /// </summary>
    public MxRoute Filter(MxRoute route, ICollection<RefusedAddress> refused)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(refused);
        if (!_enabled || route.Failure is not null)
        {
            return route;
        }

        var hosts = new List<MxHost>(route.Hosts.Count);
        foreach (var host in route.Hosts)
        {
            var literal = IPAddress.TryParse(host.Name, out _);
            var kept = new List<IPAddress>(host.Addresses.Count);
            foreach (var address in host.Addresses)
            {
                var allowed = IsAllowed(address);
                var kind = allowed ? null : Classify(address);
                if (allowed || (kind is null && !literal))
                {
                    kept.Add(address);
                    continue;
                }

                var reason = !literal ? kind! : kind is null ? "IP-literal MX target" : $"IP-literal MX target, {kind}";
                var entry = new RefusedAddress(host.Name, address, reason);
                refused.Add(entry);
                LogRefused(_logger, host.Name, address.ToString(), route.Domain, entry.Reason);
            }

            if (kept.Count > 0)
            {
                hosts.Add(host with { Addresses = kept });
            }
        }

        return hosts.Count == route.Hosts.Count && hosts.Zip(route.Hosts).All(p => p.First.Addresses.Count == p.Second.Addresses.Count)
            ? route
            : route with { Hosts = hosts };
    }

    /// <summary>
    /// Why the policy refuses a connection to <paramref name="address"/> (the kind of internal address it is), or null when
    /// it may be used: the same rule as for MX addresses, for other outbound connections such as webhook requests.
    /// </summary>
    public string? Refusal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return !_enabled || IsAllowed(address) ? null : Classify(address);
    }

    /// <summary>
    /// What kind of non-public address <paramref name="address"/> is (<c>loopback</c>, <c>private (RFC 1918)</c>, …), or
    /// null for a public unicast address.
    /// </summary>
    public static string? Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return ClassifyV4(address);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return "not an IP address";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return ClassifyV4(address.MapToIPv4()) is { } mapped ? $"IPv4-mapped, {mapped}" : null;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        if (address.Equals(IPAddress.IPv6Any))
        {
            return "unspecified";
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return "loopback";
        }

        if (bytes[..12].IndexOfAnyExcept((byte)0) < 0)
        {
            // ::a.b.c.d, deprecated by RFC 4291 §2.5.5.1: nothing legitimate publishes it.
            var embedded = ClassifyV4(new IPAddress(bytes[12..]));
            return embedded is null ? "IPv4-compatible (deprecated)" : $"IPv4-compatible, {embedded}";
        }

        if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b)
        {
            if (bytes[4] == 0x00 && bytes[5] == 0x01)
            {
                return "local-use NAT64 (RFC 8215)";
            }

            if (bytes[4..12].IndexOfAnyExcept((byte)0) < 0 && ClassifyV4(new IPAddress(bytes[12..])) is { } nat64)
            {
                return $"NAT64, {nat64}";
            }
        }

        if (bytes[0] == 0x20 && bytes[1] == 0x02 && ClassifyV4(new IPAddress(bytes[2..6])) is { } sixToFour)
        {
            return $"6to4, {sixToFour}";
        }

        if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80)
        {
            return "link-local";
        }

        if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0xc0)
        {
            return "site-local (deprecated)";
        }

        if (bytes[0] == 0xff)
        {
            return "multicast";
        }

        return (bytes[0] & 0xfe) == 0xfc ? "unique local (RFC 4193)" : null;
    }

    /// <summary>
    /// Parses a comma-separated list of networks: CIDR (<c>10.0.0.0/8</c>, <c>fd00::/8</c>) or single addresses.
    /// False with <paramref name="problem"/> naming the bad entry.
    /// </summary>
    public static bool TryParseNetworks(string? list, out IReadOnlyList<IPNetwork> networks, out string? problem)
    {
        var parsed = new List<IPNetwork>();
        foreach (var entry in (list ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (IPNetwork.TryParse(entry, out var network))
            {
                parsed.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                parsed.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                networks = [];
                problem = $"'{entry}' is not a network (CIDR such as 10.0.0.0/8) or an address.";
                return false;
            }
        }

        networks = parsed;
        problem = null;
        return true;
    }

    private bool IsAllowed(IPAddress address) =>
        _allowed.Any(n => n.Contains(address) || (address.IsIPv4MappedToIPv6 && n.Contains(address.MapToIPv4())));

    private static string? ClassifyV4(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        var value = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if (address.Equals(AzurePlatform))
        {
            return "Azure platform endpoint";
        }

        return value switch
        {
            _ when In(value, 0x00000000, 8) => "unspecified (this network)",
            _ when In(value, 0x0a000000, 8) || In(value, 0xac100000, 12) || In(value, 0xc0a80000, 16) => "private (RFC 1918)",
            _ when In(value, 0x64400000, 10) => "shared address space (CGNAT, RFC 6598)",
            _ when In(value, 0x7f000000, 8) => "loopback",
            _ when In(value, 0xa9fe0000, 16) => "link-local",
            _ when In(value, 0xe0000000, 4) => "multicast",
            _ when In(value, 0xf0000000, 4) => "reserved",
            _ => null,
        };
    }

    private static bool In(uint value, uint network, int prefix) => (value ^ network) >> (32 - prefix) == 0;

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning,
        Message = "Outbound address policy refused {Host}[{Address}], an exchanger of {RecipientDomain}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string host, string address, string recipientDomain, string reason);
}
