using System.Collections.Concurrent;
using System.Net;
using DnsClient;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Routing;

/// <summary>Finds a domain's mail exchangers and their addresses, and caches the answer for its TTL.</summary>
/// <remarks>
/// RFC 5321 §5.1: MX records by preference, equal preferences in random order, each host's addresses in turn; no MX →
/// the domain's own A/AAAA (implicit MX). RFC 7505: a single MX of "." means the domain takes no mail. NXDOMAIN is
/// permanent; SERVFAIL and timeouts are transient and never cached. One instance per host (a singleton), so its cache is
/// shared by every delivery in the process and dies with it.
/// </remarks>
public sealed class MxResolver(IDnsLookup dns, TimeProvider time, IOptions<RoutingOptions> options) : IMxResolver
{
    private readonly ConcurrentDictionary<string, CachedRoute> _cache = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeSpan _maxTtl = options.Value.MaxCacheTtl;

    /// <inheritdoc />
    public async Task<MxRoute> ResolveAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(domain);
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(domain, out var cached) && cached.ExpiresAt > now)
        {
            return Shuffle(cached.Route);
        }

        _cache.TryRemove(domain, out _);
        var (route, ttl) = await LookupAsync(domain, cancellationToken);
        if (route.Failure is null || route.Failure.Kind == ReplyKind.Permanent && route.Failure.EnhancedCode == "5.1.10")
        {
            var lifetime = ttl < _maxTtl ? ttl : _maxTtl;
            if (lifetime > TimeSpan.Zero)
            {
                _cache[domain] = new CachedRoute(route, now + lifetime);
            }
        }

        return Shuffle(route);
    }

    private async Task<(MxRoute Route, TimeSpan Ttl)> LookupAsync(string domain, CancellationToken cancellationToken)
    {
        var mx = await dns.QueryAsync(domain, QueryType.MX, cancellationToken);
        if (mx.ResponseCode != DnsResponseCode.NoError)
        {
            return (new MxRoute(domain, [], FailureClassifier.FromDns(mx.ResponseCode, domain, "MX")), TimeSpan.Zero);
        }

        var ttl = mx.Records.Count > 0 ? mx.Records.Min(r => r.Ttl) : _maxTtl;
        var records = mx.Records;
        if (records.Count == 1 && records[0].Value == ".")
        {
            return (new MxRoute(domain, [], FailureClassifier.NullMx(domain)), ttl);
        }

        // A "." among real exchangers is a misconfiguration (RFC 7505 §3): ignore it, use the others.
        var exchangers = records.Where(r => r.Value != ".").ToList();
        var isImplicit = exchangers.Count == 0;
        if (isImplicit)
        {
            exchangers = [new DnsAnswerRecord(domain, 0, _maxTtl)];
        }

        var hosts = new List<MxHost>();
        var anyTransient = false;
        var anyFailure = (DeliveryReply?)null;
        var lookups = exchangers
            .GroupBy(r => r.Value, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.OrderBy(r => r.Preference).First())
            .Select(async r => (Record: r, Answer: await LookupAddressesAsync(r.Value, cancellationToken)))
            .ToList();
        foreach (var (record, answer) in await Task.WhenAll(lookups))
        {
            if (answer.Failure is { } failure)
            {
                anyTransient |= failure.Kind == ReplyKind.Transient;
                anyFailure ??= failure;
                continue;
            }

            if (answer.Addresses.Count > 0)
            {
                hosts.Add(new MxHost(record.Value, record.Preference, answer.Addresses));
                ttl = answer.Ttl < ttl ? answer.Ttl : ttl;
            }
        }

        if (hosts.Count == 0)
        {
            var failure = isImplicit && anyFailure is not null ? anyFailure : FailureClassifier.NoAddresses(domain, anyTransient);
            return (new MxRoute(domain, [], failure, isImplicit), TimeSpan.Zero);
        }

        // A host whose lookup failed transiently might be the preferred one; don't remember a route that skips it.
        var cacheFor = anyTransient ? TimeSpan.Zero : ttl;
        return (new MxRoute(domain, hosts.OrderBy(h => h.Preference).ToList(), null, isImplicit), cacheFor);
    }

    private async Task<AddressAnswer> LookupAddressesAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            // Not allowed by RFC 5321 §5.1 but seen in the wild; Postfix accepts it too.
            return new AddressAnswer([literal], TimeSpan.Zero, null);
        }

        var v4 = dns.QueryAsync(host, QueryType.A, cancellationToken);
        var v6 = dns.QueryAsync(host, QueryType.AAAA, cancellationToken);
        var answers = await Task.WhenAll(v4, v6);
        var addresses = new List<IPAddress>();
        var ttl = _maxTtl;
        DeliveryReply? failure = null;
        foreach (var (answer, type) in answers.Zip(["A", "AAAA"]))
        {
            if (answer.ResponseCode != DnsResponseCode.NoError)
            {
                failure ??= FailureClassifier.FromDns(answer.ResponseCode, host, type);
                continue;
            }

            foreach (var record in answer.Records)
            {
                if (IPAddress.TryParse(record.Value, out var address))
                {
                    addresses.Add(address);
                    ttl = record.Ttl < ttl ? record.Ttl : ttl;
                }
            }
        }

        // One family answering is enough; a failure only counts when nothing usable came back.
        return addresses.Count > 0 ? new AddressAnswer(addresses, ttl, null) : new AddressAnswer([], TimeSpan.Zero, failure);
    }

    private static MxRoute Shuffle(MxRoute route)
    {
        if (route.Hosts.Count < 2)
        {
            return route;
        }

        var ordered = new List<MxHost>(route.Hosts.Count);
        foreach (var group in route.Hosts.GroupBy(h => h.Preference).OrderBy(g => g.Key))
        {
            var same = group.ToArray();
            Random.Shared.Shuffle(same);
            ordered.AddRange(same);
        }

        return route with { Hosts = ordered };
    }

    private sealed record CachedRoute(MxRoute Route, DateTimeOffset ExpiresAt);

    private sealed record AddressAnswer(IReadOnlyList<IPAddress> Addresses, TimeSpan Ttl, DeliveryReply? Failure);
}
