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

        if (QueryTimeout <= TimeSpan.Zero || MaxCacheTtl < TimeSpan.Zero)
        {
            yield return new ValidationResult("Routing:QueryTimeout must be positive and Routing:MaxCacheTtl not negative.", [nameof(QueryTimeout)]);
        }
    }
}
