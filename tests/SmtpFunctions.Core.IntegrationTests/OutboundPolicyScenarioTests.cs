using System.Net;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Testing.Dns;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// A recipient domain whose DNS points at internal addresses — BIND serving the hostile records, a real peer listening
/// at the loopback one — is refused by the outbound address policy by default, without a connection; an explicit
/// allow-list admits just what it names.
/// </summary>
public sealed class OutboundPolicyScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ByDefault_HostileMxRecords_FailPermanentlyWith544_AndNoConnectionIsMade()
    {
        await using var world = await MailWorld.CreateAsync();
        var inside = await world.StartSinkAsync(new SmtpSinkOptions { HostName = "internal-banner.corp.example" });
        await world.ServeAsync(HostileZone(inside.Address));
        // The default, spelled out: the policy on, nothing allowed.
        Assert.True(new RoutingOptions().RefuseInternalAddresses);
        Assert.Equal("", new RoutingOptions().AllowedNetworks);
        await using var relay = RelayHost.Start(world, output, ("Routing:AllowedNetworks", ""));

        var (result, _) = await relay.TimedAsync(RelayHost.Request("evil.test"));

        var reply = result.Replies["rcpt@evil.test"];
        output.WriteLine(reply.ToString());
        Assert.Equal(ReplyKind.Permanent, reply.Kind);
        Assert.Equal("5.4.4", reply.EnhancedCode);
        Assert.StartsWith("all MX addresses are refused by the outbound address policy: ", reply.Text, StringComparison.Ordinal);
        string[] refused =
        [
            $"mx1.evil.test[{inside.Address}] (loopback)", "mx2.evil.test[10.1.2.3] (private (RFC 1918))",
            $"mx2.evil.test[::ffff:{inside.Address}] (IPv4-mapped, loopback)", $"{inside.Address}[{inside.Address}] (IP-literal MX target, loopback)",
            "mx4.evil.test[169.254.169.254] (link-local)", "mx4.evil.test[100.64.0.1] (shared address space (CGNAT, RFC 6598))",
            "mx4.evil.test[fd00::25] (unique local (RFC 4193))",
        ];
        // Records of one name come back in the order BIND rotates them to.
        Assert.All(refused, r => Assert.Contains(r, reply.Text, StringComparison.Ordinal));
        Assert.DoesNotContain("internal-banner", reply.Text, StringComparison.Ordinal);
        Assert.Null(result.Peer);
        Assert.Equal(0, inside.GetSessionStatistics().Total);
    }

    [Fact]
    public async Task ByDefault_AnImplicitMxOnTheMetadataEndpoint_IsRefused()
    {
        await using var world = await MailWorld.CreateAsync();
        await world.ServeAsync(new DnsZone("imds.test").A("imds.test", "169.254.169.254").A("imds.test", "0.0.0.0"));
        await using var relay = RelayHost.Start(world, output, ("Routing:AllowedNetworks", ""));

        var (result, _) = await relay.TimedAsync(RelayHost.Request("imds.test"));

        var reply = result.Replies["rcpt@imds.test"];
        Assert.Equal("5.4.4", reply.EnhancedCode);
        // The two A records come back in the order BIND rotates them to.
        Assert.StartsWith("all MX addresses are refused by the outbound address policy: imds.test[", reply.Text, StringComparison.Ordinal);
        Assert.Contains("imds.test[169.254.169.254] (link-local)", reply.Text, StringComparison.Ordinal);
        Assert.Contains("imds.test[0.0.0.0] (unspecified (this network))", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithLoopbackAllowed_TheSameRecordsReachTheLoopbackPeer_AndNothingElse()
    {
        await using var world = await MailWorld.CreateAsync();
        var inside = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(HostileZone(inside.Address));
        await using var relay = RelayHost.Start(world, output, ("Routing:AllowedNetworks", "127.0.0.0/8"));

        var (result, _) = await relay.TimedAsync(RelayHost.Request("evil.test"));

        Assert.Equal(ReplyKind.Success, result.Replies["rcpt@evil.test"].Kind);
        Assert.StartsWith($"mx1.evil.test[{inside.Address}]", result.Peer, StringComparison.Ordinal);
        Assert.Single(await inside.WaitForMessagesAsync(1, timeout: TimeSpan.FromSeconds(10)));
    }

    // MX 10 at the peer's loopback address; MX 20 private plus the IPv4-mapped form of the loopback one; MX 30 an IP
    // literal; MX 40 link-local, CGNAT and unique-local IPv6.
    private static DnsZone HostileZone(IPAddress inside) => new DnsZone("evil.test")
        .Mx("evil.test", 10, "mx1.evil.test").A("mx1.evil.test", inside)
        .Mx("evil.test", 20, "mx2.evil.test").A("mx2.evil.test", "10.1.2.3").Aaaa("mx2.evil.test", IPAddress.Parse("::ffff:" + inside))
        .Mx("evil.test", 30, inside.ToString())
        .Mx("evil.test", 40, "mx4.evil.test").A("mx4.evil.test", "169.254.169.254").A("mx4.evil.test", "100.64.0.1").Aaaa("mx4.evil.test", "fd00::25");
}
