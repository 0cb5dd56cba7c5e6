using System.Net;
using DnsClient;
using Microsoft.Extensions.Time.Testing;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Routing;

namespace SmtpFunctions.Core.Tests.Routing;

public sealed class MxResolverTests
{
    private readonly FakeDnsLookup _dns = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private MxResolver Resolver() => new(_dns, _time, Microsoft.Extensions.Options.Options.Create(new RoutingOptions()));

    [Fact]
    public async Task Resolve_OrdersByPreferenceAndListsIPv4ThenIPv6()
    {
        _dns.Mx("example.net", (20, "mx2.example.net"), (10, "mx1.example.net"));
        _dns.A("mx1.example.net", "192.0.2.1");
        _dns.Aaaa("mx1.example.net", "2001:db8::1");
        _dns.A("mx2.example.net", "192.0.2.2");

        var route = await Resolver().ResolveAsync("example.net", default);

        Assert.Null(route.Failure);
        Assert.Equal(["mx1.example.net", "mx2.example.net"], route.Hosts.Select(h => h.Name));
        Assert.Equal([IPAddress.Parse("192.0.2.1"), IPAddress.Parse("2001:db8::1")], route.Hosts[0].Addresses);
        Assert.False(route.Implicit);
    }

    [Fact]
    public async Task Resolve_ShufflesEqualPreferences()
    {
        var names = Enumerable.Range(1, 6).Select(i => $"mx{i}.example.net").ToList();
        _dns.Mx("example.net", [.. names.Select(n => (10, n))]);
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            _dns.A(name, $"192.0.2.{i + 1}");
        }

        var resolver = Resolver();
        var firsts = new HashSet<string>();
        for (var i = 0; i < 50; i++)
        {
            var route = await resolver.ResolveAsync("example.net", default);
            Assert.Equal(6, route.Hosts.Count);
            firsts.Add(route.Hosts[0].Name);
        }

        Assert.True(firsts.Count > 1, "equal-preference exchangers always came in the same order");
    }

    [Fact]
    public async Task Resolve_WithoutMx_UsesTheDomainsOwnAddresses()
    {
        _dns.Mx("example.net");
        _dns.A("example.net", "192.0.2.7");

        var route = await Resolver().ResolveAsync("example.net", default);

        Assert.True(route.Implicit);
        var host = Assert.Single(route.Hosts);
        Assert.Equal("example.net", host.Name);
        Assert.Equal([IPAddress.Parse("192.0.2.7")], host.Addresses);
    }

    [Fact]
    public async Task Resolve_NullMx_FailsPermanentlyWith5110()
    {
        _dns.Mx("example.net", (0, "."));

        var route = await Resolver().ResolveAsync("example.net", default);

        Assert.Equal(ReplyKind.Permanent, route.Failure!.Kind);
        Assert.Equal("5.1.10", route.Failure.EnhancedCode);
    }

    [Fact]
    public async Task Resolve_NxDomain_FailsPermanentlyWith512()
    {
        _dns.Fail("example.net", QueryType.MX, DnsResponseCode.NotExistentDomain);

        var route = await Resolver().ResolveAsync("example.net", default);

        Assert.Equal(ReplyKind.Permanent, route.Failure!.Kind);
        Assert.Equal("5.1.2", route.Failure.EnhancedCode);
    }

    [Theory]
    [InlineData(DnsResponseCode.ServerFailure)]
    [InlineData(DnsResponseCode.ConnectionTimeout)]
    public async Task Resolve_ServFailOrTimeout_IsTransientAndNotCached(DnsResponseCode code)
    {
        _dns.Fail("example.net", QueryType.MX, code);
        var resolver = Resolver();

        var first = await resolver.ResolveAsync("example.net", default);
        _dns.Mx("example.net", (10, "mx.example.net"));
        _dns.A("mx.example.net", "192.0.2.1");
        var second = await resolver.ResolveAsync("example.net", default);

        Assert.Equal(ReplyKind.Transient, first.Failure!.Kind);
        Assert.Null(second.Failure);
    }

    [Fact]
    public async Task Resolve_SkipsExchangersWithoutAddresses()
    {
        _dns.Mx("example.net", (10, "gone.example.net"), (20, "mx.example.net"));
        _dns.Fail("gone.example.net", QueryType.A, DnsResponseCode.NotExistentDomain);
        _dns.Fail("gone.example.net", QueryType.AAAA, DnsResponseCode.NotExistentDomain);
        _dns.A("mx.example.net", "192.0.2.1");

        var route = await Resolver().ResolveAsync("example.net", default);

        Assert.Equal(["mx.example.net"], route.Hosts.Select(h => h.Name));
    }

    [Fact]
    public async Task Resolve_WhenNoExchangerHasAnAddress_FailsTransientIfALookupFailed()
    {
        _dns.Mx("example.net", (10, "mx.example.net"));
        _dns.Fail("mx.example.net", QueryType.A, DnsResponseCode.ServerFailure);
        _dns.Fail("mx.example.net", QueryType.AAAA, DnsResponseCode.ServerFailure);

        var route = await Resolver().ResolveAsync("example.net", default);

        Assert.Equal(ReplyKind.Transient, route.Failure!.Kind);
    }

    [Fact]
    public async Task Resolve_WhenExchangersHaveNoRecords_FailsPermanently()
    {
        _dns.Mx("example.net", (10, "mx.example.net"));

        var route = await Resolver().ResolveAsync("example.net", default);

        Assert.Equal(ReplyKind.Permanent, route.Failure!.Kind);
        Assert.Equal("5.4.4", route.Failure.EnhancedCode);
    }

    [Fact]
    public async Task Resolve_CachesForTheSmallestTtlThenAsksAgain()
    {
        _dns.Mx("example.net", (10, "mx.example.net"));
        _dns.Address("mx.example.net", QueryType.A, TimeSpan.FromSeconds(60), "192.0.2.1");
        var resolver = Resolver();

        await resolver.ResolveAsync("example.net", default);
        var afterFirst = _dns.Queries;
        _time.Advance(TimeSpan.FromSeconds(59));
        await resolver.ResolveAsync("example.net", default);
        Assert.Equal(afterFirst, _dns.Queries);

        _time.Advance(TimeSpan.FromSeconds(2));
        await resolver.ResolveAsync("example.net", default);
        Assert.True(_dns.Queries > afterFirst);
    }

    [Fact]
    public async Task Resolve_IgnoresADotAmongRealExchangers()
    {
        _dns.Mx("example.net", (0, "."), (10, "mx.example.net"));
        _dns.A("mx.example.net", "192.0.2.1");

        var route = await Resolver().ResolveAsync("example.net", default);

        Assert.Null(route.Failure);
        Assert.Equal("mx.example.net", Assert.Single(route.Hosts).Name);
    }

    [Theory]
    [InlineData("127.0.0.53:5353", "127.0.0.53", 5353)]
    [InlineData("127.0.0.1", "127.0.0.1", 53)]
    [InlineData("[::1]:5300", "::1", 5300)]
    public void ParseNameServers_AcceptsAddressAndPort(string entry, string address, int port)
    {
        var server = Assert.Single(DnsClientLookup.ParseNameServers(entry));

        Assert.Equal(IPAddress.Parse(address).ToString(), server.Address);
        Assert.Equal(port, server.Port);
    }

    [Fact]
    public void RoutingOptions_RejectAnUnparsableNameServer()
    {
        var options = new RoutingOptions { NameServers = "dns.example:53" };

        Assert.NotEmpty(options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)));
    }
}
