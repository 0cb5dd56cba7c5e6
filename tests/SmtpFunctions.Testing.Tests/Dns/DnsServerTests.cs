using System.Net;
using DnsClient;
using SmtpFunctions.Testing.Dns;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Testing.Tests.Dns;

public sealed class DnsServerFixture : IAsyncLifetime
{
    public const string DkimKey = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu5gD7ALongerThan255Octets" +
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" +
        "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyIDAQAB";

    public DnsServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var example = new DnsZone("example.test", TimeSpan.FromSeconds(120))
            .Mx("example.test", 10, "mx1.example.test")
            .Mx("example.test", 20, "mx2.example.test")
            .Mx("example.test", 20, "mx3.example.test")
            .A("mx1.example.test", "127.10.0.1")
            .A("mx1.example.test", "127.10.0.2")
            .Aaaa("mx1.example.test", "::1")
            .A("implicit.example.test", "127.10.0.9", TimeSpan.FromSeconds(30))
            .NullMx("nomail.example.test")
            .Txt("sel1._domainkey.example.test", DkimKey)
            .Txt("quoted.example.test", "say \"hi\" \\ there");
        var failing = new DnsZone("broken.test").A("mx.broken.test", "127.10.0.3").ServFail();
        Server = await DnsServer.StartAsync(example, failing);
    }

    public Task DisposeAsync() => Server.DisposeAsync().AsTask();
}

public sealed class DnsServerTests(DnsServerFixture fixture) : IClassFixture<DnsServerFixture>
{
    private readonly LookupClient _dns = fixture.Server.CreateLookupClient();

    [Fact]
    public void Files_LiveWhereNamedsAppArmorProfileLetsItReadAndWrite()
    {
        // With AppArmor enforcing, named may not read a configuration or zone under /tmp.
        var directory = fixture.Server.StateDirectory;

        Assert.StartsWith("/var/cache/bind/", directory, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(directory, "named.conf")));
        const string profile = "/etc/apparmor.d/usr.sbin.named";
        if (File.Exists(profile))
        {
            Assert.Contains("/var/cache/bind/** lrw,", File.ReadAllText(profile), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Mx_AnswersEveryExchangeWithItsPreferenceAndTtl()
    {
        var answer = await _dns.QueryAsync("example.test", QueryType.MX);
        Assert.False(answer.HasError, answer.ErrorMessage);
        Assert.True(answer.Header.HasAuthorityAnswer);
        var mx = answer.Answers.MxRecords().OrderBy(r => r.Preference).ThenBy(r => r.Exchange.Value).ToList();
        Assert.Equal([(10, "mx1.example.test."), (20, "mx2.example.test."), (20, "mx3.example.test.")], mx.Select(r => ((int)r.Preference, r.Exchange.Value)));
        Assert.All(mx, r => Assert.Equal(120, r.InitialTimeToLive));
    }

    [Fact]
    public async Task AddressRecords_AAndAaaa()
    {
        var a = await _dns.QueryAsync("mx1.example.test", QueryType.A);
        Assert.Equal(["127.10.0.1", "127.10.0.2"], a.Answers.ARecords().Select(r => r.Address.ToString()).Order());
        var aaaa = await _dns.QueryAsync("mx1.example.test", QueryType.AAAA);
        Assert.Equal(IPAddress.IPv6Loopback, Assert.Single(aaaa.Answers.AaaaRecords()).Address);
    }

    [Fact]
    public async Task NoMxButA_AnswersNoDataForMx_AndTheAddress()
    {
        var mx = await _dns.QueryAsync("implicit.example.test", QueryType.MX);
        Assert.False(mx.HasError);
        Assert.Empty(mx.Answers);
        var a = await _dns.QueryAsync("implicit.example.test", QueryType.A);
        var address = Assert.Single(a.Answers.ARecords());
        Assert.Equal("127.10.0.9", address.Address.ToString());
        Assert.Equal(30, address.InitialTimeToLive);
    }

    [Fact]
    public async Task NullMx_IsPreferenceZeroAndRoot()
    {
        var answer = await _dns.QueryAsync("nomail.example.test", QueryType.MX);
        var mx = Assert.Single(answer.Answers.MxRecords());
        Assert.Equal(0, mx.Preference);
        Assert.Equal(".", mx.Exchange.Value);
    }

    [Fact]
    public async Task Txt_LongDkimKeyIsSplitIntoStringsThatJoinBack()
    {
        var answer = await _dns.QueryAsync("sel1._domainkey.example.test", QueryType.TXT);
        var txt = Assert.Single(answer.Answers.TxtRecords());
        Assert.True(txt.Text.Count > 1);
        Assert.All(txt.Text, s => Assert.True(s.Length <= 255));
        Assert.Equal(DnsServerFixture.DkimKey, string.Concat(txt.Text));

        var quoted = await _dns.QueryAsync("quoted.example.test", QueryType.TXT);
        Assert.Equal("say \"hi\" \\ there", Assert.Single(Assert.Single(quoted.Answers.TxtRecords()).Text));
    }

    [Fact]
    public async Task UnknownName_IsNxDomain_AndOutsideTheZones_Refused()
    {
        var missing = await _dns.QueryAsync("nope.example.test", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, missing.Header.ResponseCode);
        var outside = await _dns.QueryAsync("example.org", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.Refused, outside.Header.ResponseCode);
    }

    [Fact]
    public async Task FailingZone_IsServFail()
    {
        var answer = await _dns.QueryAsync("mx.broken.test", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.ServerFailure, answer.Header.ResponseCode);
        var mx = await _dns.QueryAsync("broken.test", QueryType.MX);
        Assert.Equal(DnsHeaderResponseCode.ServerFailure, mx.Header.ResponseCode);
    }

    [Fact]
    public async Task OverTcp_AnswersToo()
    {
        var tcp = new LookupClient(new LookupClientOptions(new NameServer(fixture.Server.EndPoint)) { UseCache = false, UseTcpOnly = true });
        var answer = await tcp.QueryAsync("example.test", QueryType.MX);
        Assert.Equal(3, answer.Answers.MxRecords().Count());
    }
}

public sealed class DnsServerChangeTests
{
    [Fact]
    public async Task Zone_ServFailThenAnswersThenServFailAgain_AtRuntime()
    {
        var zone = new DnsZone("flaky.test").Mx("flaky.test", 10, "mx.flaky.test").A("mx.flaky.test", "127.10.1.1").ServFail();
        await using var server = await DnsServer.StartAsync(zone);
        var dns = server.CreateLookupClient();
        Assert.Equal(DnsHeaderResponseCode.ServerFailure, (await dns.QueryAsync("flaky.test", QueryType.MX)).Header.ResponseCode);

        await server.SetZoneAsync(zone.Answer());
        Assert.Equal("mx.flaky.test.", Assert.Single((await dns.QueryAsync("flaky.test", QueryType.MX)).Answers.MxRecords()).Exchange.Value);

        zone.Remove("mx.flaky.test", "A").A("mx.flaky.test", "127.10.1.2");
        await server.RestartAsync();
        Assert.Equal("127.10.1.2", Assert.Single((await dns.QueryAsync("mx.flaky.test", QueryType.A)).Answers.ARecords()).Address.ToString());

        await server.SetZoneAsync(zone.ServFail());
        Assert.Equal(DnsHeaderResponseCode.ServerFailure, (await dns.QueryAsync("flaky.test", QueryType.MX)).Header.ResponseCode);

        await server.SetZoneAsync(new DnsZone("other.test").A("www.other.test", "127.10.1.3"));
        Assert.Single((await dns.QueryAsync("www.other.test", QueryType.A)).Answers.ARecords());
        await server.RemoveZoneAsync("other.test");
        Assert.Equal(DnsHeaderResponseCode.Refused, (await dns.QueryAsync("www.other.test", QueryType.A)).Header.ResponseCode);
    }

    [Fact]
    public async Task Dispose_EndsNamed()
    {
        var server = await DnsServer.StartAsync(new DnsZone("gone.test").A("a.gone.test", "127.10.2.1"));
        var pids = server.ProcessIds;
        Assert.Single(pids);
        await server.DisposeAsync();
        Assert.False(ProcessTree.IsAlive(pids[0]));
        Assert.False(SocketTable.IsListening(server.Address, server.Port));
    }

    [Fact]
    public async Task BadRecord_FailsStartWithTheLog()
    {
        var zone = new DnsZone("bad.test").Record("x.bad.test", "MX", "not-a-number host.");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => DnsServer.StartAsync(zone));
        Assert.Contains("did not load zone(s) bad.test", error.Message, StringComparison.Ordinal);
        Assert.Contains("not-a-number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zone_RejectsNamesOutsideIt()
    {
        Assert.Throws<ArgumentException>(() => new DnsZone("a.test").A("b.test", "127.0.0.9"));
        Assert.Throws<ArgumentException>(() => new DnsZone("a.test").A("x.a.test", "::1"));
    }
}
