using System.Net;
using System.Net.Sockets;
using DnsClient;
using SmtpFunctions.Testing.Dns;
using SmtpFunctions.Testing.Postfix;
using SmtpFunctions.Testing.Processes;
using SmtpFunctions.Testing.Tests.Clients;

namespace SmtpFunctions.Testing.Tests.Processes;

public sealed class LoopbackAddressesTests
{
    [Fact]
    public void Next_GivesDistinctUnusedAddressesOutside127_0()
    {
        var addresses = Enumerable.Range(0, 20).Select(_ => LoopbackAddresses.Next()).ToList();
        Assert.All(addresses, a => Assert.Equal(127, a.GetAddressBytes()[0]));
        Assert.All(addresses, a => Assert.NotEqual(0, a.GetAddressBytes()[1]));
        Assert.Equal(addresses.Count, addresses.Distinct().Count());
        Assert.All(addresses, a => Assert.False(SocketTable.IsAddressInUse(a)));
    }

    [Fact]
    public async Task MxHosts_ShareOnePortOnTheirOwnAddresses_FirstDownSecondUp()
    {
        // The shape of a delivery test: two MX hosts on the destination port, the preferred one down.
        var down = LoopbackAddresses.Next();
        var up = LoopbackAddresses.Next();
        var port = LoopbackAddresses.FreePortOnAll([down, up]);
        await using var sink = await SmtpSink.StartAsync(address: up, port: port);
        await using var dns = await DnsServer.StartAsync(new DnsZone("two.test")
            .Mx("two.test", 10, "mx1.two.test")
            .Mx("two.test", 20, "mx2.two.test")
            .A("mx1.two.test", down)
            .A("mx2.two.test", up));

        var mx = (await dns.CreateLookupClient().QueryAsync("two.test", QueryType.MX)).Answers.MxRecords().OrderBy(r => r.Preference).ToList();
        Assert.Equal(["mx1.two.test.", "mx2.two.test."], mx.Select(r => r.Exchange.Value));

        using var refused = new TcpClient();
        var error = await Assert.ThrowsAsync<SocketException>(() => refused.ConnectAsync(down, port));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
        using var client = await RecordingSmtpClient.ConnectAsync(new IPEndPoint(up, port));
        await client.SendAsync(TestMessages.Create("a@client.test", "b@two.test"));
        Assert.Single(await sink.WaitForMessagesAsync());
    }

    [Fact]
    public async Task SmtpSink_ListensOnIpv6Loopback()
    {
        await using var sink = await SmtpSink.StartAsync(address: IPAddress.IPv6Loopback);
        Assert.True(SocketTable.IsListening(IPAddress.IPv6Loopback, sink.Port));
        using var client = await RecordingSmtpClient.ConnectAsync(sink.EndPoint);
        await client.SendAsync(TestMessages.Create("a@client.test", "b@six.test"));
        Assert.Equal("::1", Assert.Single(await sink.WaitForMessagesAsync()).ClientAddress.Replace("ipv6:", string.Empty, StringComparison.Ordinal));
    }
}
