using DnsClient;

namespace SmtpFunctions.Core.Routing;

/// <summary>One DNS query; the seam between routing rules and the wire (unit tests use a fake).</summary>
public interface IDnsLookup
{
    /// <summary>Queries <paramref name="name"/> for MX, A, AAAA or TXT records; failures come back as response codes, not exceptions.</summary>
    Task<DnsAnswer> QueryAsync(string name, QueryType type, CancellationToken cancellationToken);
}
