using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Routing;
using SmtpFunctions.Core.Tests.Delivery;

namespace SmtpFunctions.Core.Tests.Routing;

/// <summary>The outbound address policy: which resolved MX addresses delivery will not connect to, and the allow-list.</summary>
public sealed class OutboundAddressPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.1.2", "loopback")]
    [InlineData("10.1.2.3", "private (RFC 1918)")]
    [InlineData("172.16.0.1", "private (RFC 1918)")]
    [InlineData("172.31.255.255", "private (RFC 1918)")]
    [InlineData("192.168.1.1", "private (RFC 1918)")]
    [InlineData("100.64.0.1", "shared address space (CGNAT, RFC 6598)")]
    [InlineData("100.127.255.254", "shared address space (CGNAT, RFC 6598)")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("0.0.0.0", "unspecified (this network)")]
    [InlineData("0.1.2.3", "unspecified (this network)")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("168.63.129.16", "Azure platform endpoint")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fec0::1", "site-local (deprecated)")]
    [InlineData("fc00::1", "unique local (RFC 4193)")]
    [InlineData("fd12:3456::1", "unique local (RFC 4193)")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("::ffff:127.0.0.1", "IPv4-mapped, loopback")]
    [InlineData("::ffff:10.0.0.1", "IPv4-mapped, private (RFC 1918)")]
    [InlineData("::127.0.0.1", "IPv4-compatible, loopback")]
    [InlineData("::8.8.8.8", "IPv4-compatible (deprecated)")]
    [InlineData("64:ff9b::a9fe:a9fe", "NAT64, link-local")]
    [InlineData("64:ff9b:1::1", "local-use NAT64 (RFC 8215)")]
    [InlineData("2002:7f00:1::1", "6to4, loopback")]
    public void Classify_NamesEveryNonPublicRange(string address, string expected)
    {
        Assert.Equal(expected, OutboundAddressPolicy.Classify(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("192.0.2.10")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("11.0.0.1")]
    [InlineData("2001:db8::1")]
    [InlineData("2a00:1450:4001:81c::200e")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:808:808::1")]
    public void Classify_LeavesPublicUnicastAlone(string address)
    {
        Assert.Null(OutboundAddressPolicy.Classify(IPAddress.Parse(address)));
    }

    [Fact]
    public void Filter_DropsRefusedAddressesAndHostsLeftWithout_AndListsWhy()
    {
        var policy = Policy();
        var route = new MxRoute("evil.test",
        [
            new MxHost("mx1.evil.test", 10, [IPAddress.Parse("127.0.0.1"), IPAddress.Parse("192.0.2.7")]),
            new MxHost("mx2.evil.test", 20, [IPAddress.Parse("10.0.0.5")]),
            new MxHost("192.0.2.99", 30, [IPAddress.Parse("192.0.2.99")]),
        ], null);
        var refused = new List<RefusedAddress>();

        var allowed = policy.Filter(route, refused);

        var host = Assert.Single(allowed.Hosts);
        Assert.Equal("mx1.evil.test", host.Name);
        Assert.Equal([IPAddress.Parse("192.0.2.7")], host.Addresses);
        Assert.Equal(
            ["mx1.evil.test[127.0.0.1] (loopback)", "mx2.evil.test[10.0.0.5] (private (RFC 1918))", "192.0.2.99[192.0.2.99] (IP-literal MX target)"],
            refused.Select(r => r.ToString()));
    }

    [Fact]
    public void Filter_WithAnAllowedNetwork_AdmitsItsAddresses_MappedFormsIncluded()
    {
        var policy = Policy(r => r.AllowedNetworks = "127.0.0.0/8, 10.20.0.0/16");
        var route = new MxRoute("internal.test",
        [
            new MxHost("mx.internal.test", 10, [IPAddress.Parse("127.0.0.9"), IPAddress.Parse("::ffff:127.0.0.10"), IPAddress.Parse("10.20.1.1"), IPAddress.Parse("10.21.1.1")]),
            new MxHost("127.1.2.3", 20, [IPAddress.Parse("127.1.2.3")]),
        ], null);
        var refused = new List<RefusedAddress>();

        var allowed = policy.Filter(route, refused);

        Assert.Equal(["127.0.0.9", "::ffff:127.0.0.10", "10.20.1.1"], allowed.Hosts[0].Addresses.Select(a => a.ToString()));
        Assert.Equal("127.1.2.3", allowed.Hosts[1].Name);
        Assert.Equal(["mx.internal.test[10.21.1.1] (private (RFC 1918))"], refused.Select(r => r.ToString()));
    }

    [Fact]
    public void Filter_WhenTurnedOff_LeavesTheRouteAsResolved()
    {
        var policy = Policy(r => r.RefuseInternalAddresses = false);
        var route = new MxRoute("evil.test", [new MxHost("mx.evil.test", 10, [IPAddress.Parse("127.0.0.1")])], null);
        var refused = new List<RefusedAddress>();

        Assert.Same(route, policy.Filter(route, refused));
        Assert.Empty(refused);
    }

    [Theory]
    [InlineData("10.0.0.0/8,fd00::/8,192.0.2.1,::1", true)]
    [InlineData("", true)]
    [InlineData("10.0.0.0/33", false)]
    [InlineData("10.0.0.0/8, intranet", false)]
    public void RoutingOptions_ValidateTheAllowedNetworks(string list, bool valid)
    {
        var options = new RoutingOptions { AllowedNetworks = list };
        var results = new List<ValidationResult>();

        var ok = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        Assert.Equal(valid, ok);
        if (!valid)
        {
            Assert.Contains("Routing:AllowedNetworks", results[0].ErrorMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Relay_WhenEveryMxAddressIsInternal_FailsPermanentlyWith544WithoutConnecting()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx1.example.net", 10, "127.0.0.1"), ("mx2.example.net", 20, "169.254.169.254"));

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        var reply = result.Replies["rcpt@example.net"];
        Assert.Equal(ReplyKind.Permanent, reply.Kind);
        Assert.Equal("5.4.4", reply.EnhancedCode);
        Assert.Equal(
            "all MX addresses are refused by the outbound address policy: mx1.example.net[127.0.0.1] (loopback), mx2.example.net[169.254.169.254] (link-local)",
            reply.Text);
        Assert.Empty(h.Connector.Connections);
        Assert.False(FailureClassifier.Suppresses(reply));
    }

    [Fact]
    public async Task Relay_WhenSomeMxAddressesAreInternal_UsesTheOthersOnly()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx1.example.net", 10, "10.0.0.1"), ("mx2.example.net", 20, "192.0.2.20"));
        h.Connector.Add("192.0.2.20", RelayHarness.Greeting, RelayHarness.Ehlo, "250 2.0.0 Ok", "250 2.0.0 Ok", "354 go", "250 2.0.0 queued");

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal(ReplyKind.Success, result.Replies["rcpt@example.net"].Kind);
        Assert.Equal(["192.0.2.20"], h.Connector.Connections);
    }

    [Fact]
    public async Task Relay_ThroughASmartHostOnLoopback_IsNotSubjectToThePolicy()
    {
        await using var h = new RelayHarness(o =>
        {
            o.SmartHost.Host = "127.0.0.1";
            o.SmartHost.Port = 2525;
            o.SmartHost.RequireTls = false;
        });
        h.Connector.Add("127.0.0.1", RelayHarness.Greeting, RelayHarness.Ehlo, "250 2.0.0 Ok", "250 2.0.0 Ok", "354 go", "250 2.0.0 queued");

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal(ReplyKind.Success, result.Replies["rcpt@example.net"].Kind);
        Assert.Equal(["127.0.0.1"], h.Connector.Connections);
    }

    private static OutboundAddressPolicy Policy(Action<RoutingOptions>? configure = null)
    {
        var options = new RoutingOptions();
        configure?.Invoke(options);
        return new OutboundAddressPolicy(Microsoft.Extensions.Options.Options.Create(options), NullLogger<OutboundAddressPolicy>.Instance);
    }
}
