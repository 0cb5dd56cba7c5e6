using System.Text;
using SmtpFunctions.Ingress.Tests.Fixtures;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

[Collection(IngressCollection.Name)]
public sealed class RelayPolicyTests(IngressFixture fixture)
{
    [Theory]
    [InlineData("victim@example.net")]
    [InlineData("postmaster@ingress.test")]
    [InlineData("someone@gmail.example")]
    public async Task Unauthenticated_MailRcptAndData_Get530AndNothingIsQueued(string recipient)
    {
        var before = await fixture.Server.Storage.CountAsync();
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, IngressServer.Untrusted(20));
        await client.CommandAsync("EHLO relay.test");

        // Pipelined like a spam bot would: every command is answered, every answer is 530.
        await client.SendAsync($"MAIL FROM:<alice@example.com>\r\nRCPT TO:<{recipient}>\r\nDATA\r\n");
        var replies = new[] { await client.ReadReplyAsync(), await client.ReadReplyAsync(), await client.ReadReplyAsync() };

        Assert.All(replies, r => Assert.Equal("530 5.7.0 Authentication required", r));
        Assert.Equal(before, await fixture.Server.Storage.CountAsync());
    }

    [Fact]
    public async Task Unauthenticated_AfterStartTls_StillGets530()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, IngressServer.Untrusted(20));
        await client.StartTlsAsync();

        Assert.Equal("530 5.7.0 Authentication required", await client.CommandAsync("MAIL FROM:<alice@example.com>"));
        Assert.Equal("530 5.7.0 Authentication required", await client.CommandAsync("RCPT TO:<victim@example.net>"));
    }

    [Fact]
    public async Task TrustedNetwork_MaySubmitWithoutAuth()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort);
        await client.CommandAsync("EHLO app.internal");

        await client.BeginMessageAsync("app@anything.example", "user@example.net");
        await client.SendAsync(TestMessages.Simple("app@anything.example", "user@example.net", "from the app") + ".\r\n");
        Assert.NotNull(TestMessages.QueuedId(await client.ReadReplyAsync()));
    }

    [Fact]
    public async Task ForeignSenderDomain_InMailFrom_Gets550()
    {
        await using var client = await Authenticated(21);

        Assert.StartsWith("550 5.7.1", await client.CommandAsync("MAIL FROM:<alice@example.org>"), StringComparison.Ordinal);
        Assert.StartsWith("550 5.7.1", await client.CommandAsync("MAIL FROM:<alice@sub.example.com>"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.1.0", await client.CommandAsync("MAIL FROM:<Alice@EXAMPLE.com>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForeignSenderDomain_InFromHeader_Gets550AfterDataAndNothingIsQueued()
    {
        var before = await fixture.Server.Storage.CountAsync();
        await using var client = await Authenticated(21);
        await client.BeginMessageAsync("alice@example.com", "user@example.net");

        await client.SendAsync(TestMessages.Simple("boss@example.org", "user@example.net", "spoofed") + ".\r\n");

        var reply = await client.ReadReplyAsync();
        Assert.StartsWith("550 5.7.1", reply, StringComparison.Ordinal);
        Assert.Contains("example.org", reply, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Server.Storage.CountAsync());
    }

    [Fact]
    public async Task TooManyRecipients_Gets452PerExtraRecipient_AndTheFirstFiftyAreQueued()
    {
        await using var client = await Authenticated(22);
        await client.CommandAsync("MAIL FROM:<alice@example.com>");
        var replies = new List<string>();
        for (var i = 0; i < 52; i++)
        {
            replies.Add(await client.CommandAsync($"RCPT TO:<r{i}@example.net>"));
        }

        Assert.All(replies.Take(50), r => Assert.StartsWith("250 2.1.5", r, StringComparison.Ordinal));
        Assert.All(replies.Skip(50), r => Assert.StartsWith("452 4.5.3", r, StringComparison.Ordinal));
        Assert.StartsWith("250 2.1.5", await client.CommandAsync("RCPT TO:<r0@example.net>"), StringComparison.Ordinal);
        await client.CommandAsync("DATA");
        await client.SendAsync(TestMessages.Simple("alice@example.com", "r0@example.net", "fifty") + ".\r\n");
        var id = TestMessages.QueuedId(await client.ReadReplyAsync());
        Assert.NotNull(id);
        Assert.Equal(50, (await fixture.Server.Storage.RowsOfAsync(id)).Message!.RecipientCount);
    }

    [Fact]
    public async Task DeclaredSizeOverTheLimit_Gets552AtMailFrom()
    {
        await using var client = await Authenticated(23);

        Assert.StartsWith("552 5.3.4", await client.CommandAsync("MAIL FROM:<alice@example.com> SIZE=1048577"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.1.0", await client.CommandAsync("MAIL FROM:<alice@example.com> SIZE=1048576"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedData_Gets552_SessionGoesOn_AndNothingIsQueued()
    {
        var before = await fixture.Server.Storage.CountAsync();
        await using var client = await Authenticated(23);
        await client.BeginMessageAsync("alice@example.com", "user@example.net");
        var line = new string('x', 998) + "\r\n";
        var body = new StringBuilder(TestMessages.Simple("alice@example.com", "user@example.net", "big"));
        while (body.Length < 1_200_000)
        {
            body.Append(line);
        }

        await client.SendAsync(body + ".\r\n");

        Assert.StartsWith("552 5.3.4", await client.ReadReplyAsync(TimeSpan.FromSeconds(60)), StringComparison.Ordinal);
        Assert.StartsWith("250 2.0.0", await client.CommandAsync("NOOP"), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Server.Storage.CountAsync());
    }

    [Theory]
    [InlineData("MAIL FROM:<no-domain>", "501 5.5.4")]
    [InlineData("MAIL FROM:alice@example.com", "501 5.5.4")]
    [InlineData("MAIL FROM:<alice@[192.0.2.1]>", "553 5.1.7")]
    public async Task MalformedSender_Gets553(string command, string expected)
    {
        await using var client = await Authenticated(24);

        Assert.StartsWith(expected, await client.CommandAsync(command), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedRecipient_Gets553()
    {
        await using var client = await Authenticated(24);
        await client.CommandAsync("MAIL FROM:<alice@example.com>");

        Assert.StartsWith("553 5.1.3", await client.CommandAsync("RCPT TO:<user@localhost>"), StringComparison.Ordinal);
    }

    private async Task<RawSmtpClient> Authenticated(byte address)
    {
        var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, IngressServer.Untrusted(address));
        await client.StartTlsAsync();
        Assert.StartsWith("235", await client.AuthPlainAsync(TestAccounts.Alice, TestAccounts.AlicePassword), StringComparison.Ordinal);
        return client;
    }
}
