using System.ComponentModel.DataAnnotations;

namespace SmtpFunctions.Core.Options;

/// <summary>How MX and address lookups are made (section <c>Routing</c>).</summary>
public sealed class RoutingOptions : IValidatableObject
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Routing";

    /// <summary>
    /// Comma-separated name servers as <c>address</c> or <c>address:port</c> (<c>[v6]:port</c> for IPv6). Empty: the
    /// machine's resolvers. Tests point it at a DNS server on loopback.
    /// </summary>
    public string NameServers { get; set; } = "";

    /// <summary>Time allowed for one DNS query before it is retried or counted as a timeout (transient). Default 5 s.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries of a timed-out query. Default 2.</summary>
    [Range(0, 10)]
    public int QueryRetries { get; set; } = 2;

    /// <summary>Longest time an answer is cached, whatever its TTL. Default 1 h.</summary>
    public TimeSpan MaxCacheTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Refuse to connect to MX addresses that are not public unicast: loopback, private (RFC 1918), shared (CGNAT),
    /// link-local, multicast, unspecified, reserved, unique-local IPv6, IPv4 addresses embedded in IPv6 forms of those,
    /// and MX targets written as IP literals. Default true: a recipient domain anyone can register must not make us
    /// speak SMTP to hosts inside our network (and echo their banners in the status API). The smart host is exempt.
    /// </summary>
    public bool RefuseInternalAddresses { get; set; } = true;

    /// <summary>
    /// Comma-separated networks (CIDR, e.g. <c>10.20.0.0/16</c>, or single addresses) admitted although
    /// <see cref="RefuseInternalAddresses"/> would refuse them: internal MX hosts a deployment delivers to on purpose.
    /// Empty by default; the local run and the tests set <c>127.0.0.0/8</c>.
    /// </summary>
    public string AllowedNetworks { get; set; } = "";

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        string? problem = null;
        try
        {
            Routing.DnsClientLookup.ParseNameServers(NameServers);
        }
        catch (FormatException ex)
        {
            problem = ex.Message;
        }

        if (problem is not null)
        {
            yield return new ValidationResult(problem, [nameof(NameServers)]);
        }

        if (!Routing.OutboundAddressPolicy.TryParseNetworks(AllowedNetworks, out _, out var networkProblem))
        {
            yield return new ValidationResult($"Routing:AllowedNetworks: {networkProblem}", [nameof(AllowedNetworks)]);
        }

        if (QueryTimeout <= TimeSpan.Zero || MaxCacheTtl < TimeSpan.Zero)
        {
            yield return new ValidationResult("Routing:QueryTimeout must be positive and Routing:MaxCacheTtl not negative.", [nameof(QueryTimeout)]);
        }
    }
}
