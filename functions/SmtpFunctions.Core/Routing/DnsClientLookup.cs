using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Routing;

/// <summary>DNS queries with DnsClient against the configured name servers (or the machine's).</summary>
public sealed class DnsClientLookup : IDnsLookup
{
    private readonly LookupClient _client;

    /// <summary>Creates the client from <see cref="RoutingOptions"/>.</summary>
    public DnsClientLookup(IOptions<RoutingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var routing = options.Value;
        var servers = ParseNameServers(routing.NameServers);
        var clientOptions = servers.Count > 0 ? new LookupClientOptions([.. servers]) : new LookupClientOptions();
        clientOptions.Timeout = routing.QueryTimeout;
        clientOptions.Retries = routing.QueryRetries;
        // Caching is MxResolver's (it caches whole routes for their TTL); failures must never stick.
        clientOptions.UseCache = false;
        clientOptions.ThrowDnsErrors = false;
        clientOptions.UseTcpFallback = true;
        _client = new LookupClient(clientOptions);
    }

    /// <summary>Parses <c>address[:port]</c> entries (<c>[v6]:port</c> for IPv6); port 53 when absent.</summary>
    public static IReadOnlyList<NameServer> ParseNameServers(string? list)
    {
        var servers = new List<NameServer>();
        foreach (var entry in (list ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // IPEndPoint parsing takes a bare address too (port 0), and keeps the port of "[v6]:port" that IPAddress drops.
            if (IPEndPoint.TryParse(entry, out var endPoint))
            {
                servers.Add(new NameServer(endPoint.Address, endPoint.Port == 0 ? NameServer.DefaultPort : endPoint.Port));
            }
            else
            {
                throw new FormatException($"'{entry}' in Routing:NameServers is not an address or address:port.");
            }
        }

        return servers;
    }

    /// <inheritdoc />
    public async Task<DnsAnswer> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name, type, QueryClass.IN, cancellationToken);
        }
        catch (DnsResponseException ex)
        {
            return new DnsAnswer(ex.Code, []);
        }
        catch (SocketException)
        {
            return new DnsAnswer(DnsResponseCode.ConnectionTimeout, []);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A malformed answer or a resolver fault: a lookup failure (transient), never an exception for the job.
            return new DnsAnswer(DnsResponseCode.ServerFailure, []);
        }

        var code = (DnsResponseCode)response.Header.ResponseCode;
        if (code != DnsResponseCode.NoError)
        {
            return new DnsAnswer(code, []);
        }

        var records = new List<DnsAnswerRecord>();
        foreach (var record in response.Answers)
        {
            var ttl = TimeSpan.FromSeconds(Math.Max(record.InitialTimeToLive, 0));
            switch (record)
            {
                case MxRecord mx when type == QueryType.MX:
                    var exchange = mx.Exchange.Value.TrimEnd('.');
                    records.Add(new DnsAnswerRecord(exchange.Length == 0 ? "." : exchange, mx.Preference, ttl));
                    break;
                case ARecord a when type == QueryType.A:
                    records.Add(new DnsAnswerRecord(a.Address.ToString(), 0, ttl));
                    break;
                case AaaaRecord aaaa when type == QueryType.AAAA:
                    records.Add(new DnsAnswerRecord(aaaa.Address.ToString(), 0, ttl));
                    break;
                case TxtRecord txt when type == QueryType.TXT:
                    // One record's character-strings are one value (RFC 6376 §3.6.2.2 joins a DKIM key's chunks).
                    records.Add(new DnsAnswerRecord(string.Concat(txt.Text), 0, ttl));
                    break;
            }
        }

        return new DnsAnswer(DnsResponseCode.NoError, records);
    }
}
