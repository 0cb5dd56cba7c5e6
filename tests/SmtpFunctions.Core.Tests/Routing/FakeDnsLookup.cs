using DnsClient;
using SmtpFunctions.Core.Routing;

namespace SmtpFunctions.Core.Tests.Routing;

/// <summary>Answers from an in-memory zone; counts queries so tests can see the cache at work.</summary>
internal sealed class FakeDnsLookup : IDnsLookup
{
    private readonly Dictionary<(string, QueryType), DnsAnswer> _answers = new();

    public int Queries { get; private set; }

    public void Mx(string domain, params (int Preference, string Host)[] records) =>
        _answers[(domain, QueryType.MX)] = new DnsAnswer(DnsResponseCode.NoError, records.Select(r => new DnsAnswerRecord(r.Host, r.Preference, TimeSpan.FromMinutes(5))).ToList());

    public void A(string host, params string[] addresses) => Address(host, QueryType.A, TimeSpan.FromMinutes(5), addresses);

    public void Aaaa(string host, params string[] addresses) => Address(host, QueryType.AAAA, TimeSpan.FromMinutes(5), addresses);

    public void Address(string host, QueryType type, TimeSpan ttl, params string[] addresses) =>
        _answers[(host, type)] = new DnsAnswer(DnsResponseCode.NoError, addresses.Select(a => new DnsAnswerRecord(a, 0, ttl)).ToList());

    public void Fail(string name, QueryType type, DnsResponseCode code) => _answers[(name, type)] = new DnsAnswer(code, []);

    public Task<DnsAnswer> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        Queries++;
        return Task.FromResult(_answers.TryGetValue((name, type), out var answer) ? answer : new DnsAnswer(DnsResponseCode.NoError, []));
    }
}
