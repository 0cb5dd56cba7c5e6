using System.Text;
using SmtpFunctions.Ingress.Tests.Fixtures;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

/// <summary>SMTP smuggling, bare line endings, overlong lines, early talkers and the other ways clients misbehave.</summary>
[Collection(IngressCollection.Name)]
public sealed class HostileInputTests(IngressFixture fixture)
{
    // Each fake end of data is followed by a whole second transaction; only CRLF.CRLF may end DATA, so none of it may
    // ever run, and the message itself is refused for its bare CR or LF.
    public static TheoryData<string, string> SmuggledEnds => new()
    {
        { "LF.LF", "\n.\n" },
        { "LF.CRLF", "\n.\r\n" },
        { "CR.CR", "\r.\r" },
        { "CRLF.LF", "\r\n.\n" },
        { "CR.CRLF", "\r.\r\n" },
        { "CRLF.CR", "\r\n.\r" },
    };

    [Theory]
    [MemberData(nameof(SmuggledEnds))]
    public async Task SmuggledEndOfData_DoesNotEndTheMessage_AndNothingIsQueued(string name, string fakeEnd)
    {
        var before = await fixture.Server.Storage.CountAsync();
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort);
        await client.CommandAsync("EHLO smuggler.test");
        await client.BeginMessageAsync("outer@example.com", "outer@example.net");

        await client.SendAsync(TestMessages.Simple("outer@example.com", "outer@example.net", $"smuggle {name}").TrimEnd('\r', '\n') + fakeEnd +
            "MAIL FROM:<ceo@example.com>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\n" +
            TestMessages.Simple("ceo@example.com", "victim@example.net", "smuggled"));

        Assert.True(await client.IsSilentAsync(TimeSpan.FromSeconds(1)), $"{name} ended DATA");
        await client.SendAsync(".\r\n");
        Assert.StartsWith("550 5.6.0", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250 2.0.0", await client.CommandAsync("NOOP"), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Server.Storage.CountAsync());
    }

    [Theory]
    [InlineData("bare LF", "line one\nline two\r\n")]
    [InlineData("bare CR", "line one\rline two\r\n")]
    [InlineData("bare LF in a header", "X-Test: a\nb\r\n")]
    [InlineData("bare CR before CRLF", "line one\r\r\n")]
    public async Task BareLineEndingInData_IsRefusedWith550AndNothingIsQueued(string name, string body)
    {
        var before = await fixture.Server.Storage.CountAsync();
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort);
        await client.CommandAsync("EHLO bare.test");
        await client.BeginMessageAsync("outer@example.com", "outer@example.net");

        await client.SendAsync(TestMessages.Simple("outer@example.com", "outer@example.net", name) + body + ".\r\n");

        Assert.StartsWith("550 5.6.0", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Server.Storage.CountAsync());
    }

    [Fact]
    public async Task SmuggledEndOverTlsFromAnAuthenticatedUser_IsRefusedToo()
    {
        var before = await fixture.Server.Storage.CountAsync();
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, IngressServer.Untrusted(30));
        await client.StartTlsAsync();
        await client.AuthPlainAsync(TestAccounts.Alice, TestAccounts.AlicePassword);
        await client.BeginMessageAsync("alice@example.com", "user@example.net");

        await client.SendAsync(TestMessages.Simple("alice@example.com", "user@example.net", "tls smuggle") + "\n.\nRSET\r\n\r\n.\r\n");

        Assert.StartsWith("550 5.6.0", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Server.Storage.CountAsync());
    }

    [Fact]
    public async Task DotStuffing_IsUndoneOnEveryLineIncludingTheFirst()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort);
        await client.CommandAsync("EHLO dots.test");
        await client.BeginMessageAsync("dots@example.com", "dots@example.net");

        await client.SendAsync("From: <dots@example.com>\r\nTo: <dots@example.net>\r\nSubject: dots\r\n\r\n..first\r\n...\r\n.\r\n");

        var id = TestMessages.QueuedId(await client.ReadReplyAsync());
        Assert.NotNull(id);
        Assert.EndsWith("\r\n\r\n.first\r\n..\r\n", await fixture.Server.Storage.MimeOfAsync(id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyMessage_IsRefusedWith554()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort);
        await client.CommandAsync("EHLO empty.test");
        await client.BeginMessageAsync("empty@example.com", "empty@example.net");

        Assert.StartsWith("554 5.6.0", await client.CommandAsync("."), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandLine_Of512OctetsIsRead_Of513IsRefusedWith500()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort);
        await client.CommandAsync("EHLO long.test");

        Assert.StartsWith("250 2.0.0", await client.CommandAsync("RSET" + new string(' ', 506)), StringComparison.Ordinal);
        Assert.Equal("500 5.5.2 Error: line too long", await client.CommandAsync("RSET" + new string(' ', 507)));
        Assert.Equal("500 5.5.2 Error: line too long", await client.CommandAsync("MAIL FROM:<" + new string('a', 20_000) + "@example.com>"));
        Assert.StartsWith("250 2.0.0", await client.CommandAsync("NOOP"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NOOP\n")]
    [InlineData("NOOP\r\r\n")]
    [InlineData("NO\rOP\r\n")]
    public async Task CommandWithBareLineEnding_IsRefusedWith500(string command)
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort);
        await client.CommandAsync("EHLO bare.test");

        await client.SendAsync(command);

        Assert.StartsWith("500 5.5.2", await client.ReadReplyAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EarlyTalker_IsDroppedWithoutBeingServed()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, IngressServer.Untrusted(40), readGreeting: false);

        await client.SendAsync("EHLO impatient.test\r\nMAIL FROM:<spam@example.com>\r\n");

        Assert.StartsWith("554 5.5.1", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task PatientClient_FromAnUntrustedAddress_IsGreetedAfterThePause()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, IngressServer.Untrusted(41));

        Assert.StartsWith("220 ", client.Greeting, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandsPipelinedAfterStartTls_AreDiscardedNotRunUnderTls()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort);
        await client.CommandAsync("EHLO inject.test");

        await client.SendAsync("STARTTLS\r\nMAIL FROM:<injected@example.com>\r\n");
        Assert.StartsWith("220 ", await client.ReadReplyAsync(), StringComparison.Ordinal);
        await client.HandshakeAsync();

        // Had the injected MAIL run, this MAIL would be a nested one; and the first reply would be the injected one's.
        Assert.StartsWith("250", await client.CommandAsync("EHLO inject.test"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.1.0", await client.CommandAsync("MAIL FROM:<real@example.com>"), StringComparison.Ordinal);
        Assert.True(await client.IsSilentAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task IdleClient_IsDisconnectedWith421()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort);
        await client.CommandAsync("EHLO sleepy.test");

        var reply = await client.ReadReplyAsync(TimeSpan.FromSeconds(15));

        Assert.StartsWith("421 4.4.2", reply, StringComparison.Ordinal);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task TooManyConnectionsFromOneAddress_TheExtraOneGets421()
    {
        var address = IngressServer.Untrusted(50);
        var open = new List<RawSmtpClient>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                open.Add(await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, address));
            }

            await using var extra = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, address);

            Assert.All(open, c => Assert.StartsWith("220 ", c.Greeting, StringComparison.Ordinal));
            Assert.StartsWith("421 4.7.0", extra.Greeting, StringComparison.Ordinal);
            Assert.True(await extra.IsClosedAsync(TimeSpan.FromSeconds(5)));
        }
        finally
        {
            foreach (var client in open)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ManyBadCommands_EndTheSession()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, IngressServer.Untrusted(51));
        await client.CommandAsync("EHLO noisy.test");
        var replies = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            replies.Add(await client.CommandAsync("MAIL FROM:<x@example.com>"));
        }

        Assert.All(replies.Take(9), r => Assert.StartsWith("530", r, StringComparison.Ordinal));
        Assert.StartsWith("421 4.7.0", replies[9], StringComparison.Ordinal);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task NulAndEightBitGarbage_AreAnsweredNotCrashedOn()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort);
        await client.SendAsync(Encoding.Latin1.GetBytes("EH\0LO \xff\xfe\r\n"));

        Assert.StartsWith("5", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.CommandAsync("EHLO ok.test"), StringComparison.Ordinal);
    }
}
