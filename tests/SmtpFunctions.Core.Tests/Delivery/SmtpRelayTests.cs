using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Core.Tests.Delivery;

public sealed class SmtpRelayTests
{
    private const string Ok = "250 2.0.0 Ok";
    private const string DataGo = "354 End data with <CR><LF>.<CR><LF>";
    private const string Queued = "250 2.0.0 Ok: queued as ABC123";

    [Fact]
    public async Task Relay_WhenOneRcptRejected550_FailsOnlyThatRecipientAndDeliversTheOther()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        var peer = h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok,
            "550 5.1.1 <bad@example.net>: Recipient address rejected: User unknown", Ok, DataGo, Queued);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple, "sender@sender.test", "bad@example.net", "good@example.net"), default);

        Assert.Equal(ReplyKind.Permanent, result.Replies["bad@example.net"].Kind);
        Assert.Equal("5.1.1", result.Replies["bad@example.net"].EnhancedCode);
        Assert.Equal(550, result.Replies["bad@example.net"].Code);
        Assert.Equal(ReplyKind.Success, result.Replies["good@example.net"].Kind);
        Assert.Contains("queued as ABC123", result.Replies["good@example.net"].Text, StringComparison.Ordinal);
        Assert.Equal("mx.example.net[192.0.2.10]:25", result.Peer);
        Assert.False(result.Tls);
        Assert.Contains("EHLO mta.sender.test\r\n", peer.Transcript, StringComparison.Ordinal);
        Assert.Contains("RCPT TO:<bad@example.net>", peer.Transcript, StringComparison.Ordinal);
        Assert.Contains("RCPT TO:<good@example.net>", peer.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_SendsStoredOctetsByteForByte()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        var peer = h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, Queued);
        var request = RelayHarness.Request(TestMessages.Tricky) with { EightBit = true };

        var result = await h.Relay.RelayAsync(request, default);

        Assert.Equal(ReplyKind.Success, result.Replies["rcpt@example.net"].Kind);
        Assert.Equal(TestMessages.Tricky, peer.DataContent());
        Assert.Contains("BODY=8BITMIME", peer.Transcript, StringComparison.Ordinal);
        Assert.Contains($"SIZE={TestMessages.Tricky.Length}", peer.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_WithNullSender_SendsEmptyReversePath()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        var peer = h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, Queued);

        await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple, sender: null), default);

        Assert.Contains("MAIL FROM:<>", peer.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_WhenFirstMxRefusesConnection_UsesTheNext()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx1.example.net", 10, "192.0.2.10"), ("mx2.example.net", 20, "192.0.2.20"));
        h.Connector.Add("192.0.2.20", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, Queued);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal(ReplyKind.Success, result.Replies["rcpt@example.net"].Kind);
        Assert.Equal("mx2.example.net[192.0.2.20]:25", result.Peer);
        Assert.Equal(["192.0.2.10", "192.0.2.20"], h.Connector.Connections);
    }

    [Theory]
    [InlineData("421 4.3.2 Service shutting down")]
    [InlineData("554 5.7.1 No SMTP service here")]
    public async Task Relay_WhenGreetingIsNot220_UsesTheNextMx(string greeting)
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx1.example.net", 10, "192.0.2.10"), ("mx2.example.net", 20, "192.0.2.20"));
        h.Connector.Add("192.0.2.10", greeting);
        h.Connector.Add("192.0.2.20", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, Queued);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal(ReplyKind.Success, result.Replies["rcpt@example.net"].Kind);
        Assert.Equal("mx2.example.net[192.0.2.20]:25", result.Peer);
    }

    [Fact]
    public async Task Relay_WhenConnectionDropsDuringData_DefersAfterTryingEveryAddress()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, SmtpReplayStream.Drop);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        var reply = result.Replies["rcpt@example.net"];
        Assert.Equal(ReplyKind.Transient, reply.Kind);
        Assert.Equal("4.4.2", reply.EnhancedCode);
        Assert.Equal(0, h.Cache.IdleCount);
    }

    [Fact]
    public async Task Relay_WhenEveryMxRefuses_DefersWithConnectionRefused()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx1.example.net", 10, "192.0.2.10"), ("mx2.example.net", 20, "192.0.2.20"));

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        var reply = result.Replies["rcpt@example.net"];
        Assert.Equal(ReplyKind.Transient, reply.Kind);
        Assert.Equal("4.4.1", reply.EnhancedCode);
        Assert.Contains("connection refused", reply.Text, StringComparison.Ordinal);
        Assert.Equal("mx2.example.net[192.0.2.20]:25", result.Peer);
    }

    [Fact]
    public async Task Relay_WhenRcptGreylisted451_DefersThatRecipient()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, "451 4.7.1 Greylisted, try again later");

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        var reply = result.Replies["rcpt@example.net"];
        Assert.Equal(ReplyKind.Transient, reply.Kind);
        Assert.Equal(451, reply.Code);
        Assert.Equal("4.7.1", reply.EnhancedCode);
    }

    [Fact]
    public async Task Relay_WhenMailFromRejected_FailsEveryRecipient()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, "553 5.7.1 Sender rejected", "503 5.5.1 need MAIL", "503 5.5.1 need MAIL", Ok);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple, "sender@sender.test", "a@example.net", "b@example.net"), default);

        Assert.All(result.Replies.Values, r => Assert.Equal(ReplyKind.Permanent, r.Kind));
        Assert.Equal("5.7.1", result.Replies["a@example.net"].EnhancedCode);
    }

    [Fact]
    public async Task Relay_WhenDataRejected_FailsAcceptedRecipients()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, "554 5.6.0 Message content rejected", Ok);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal("5.6.0", result.Replies["rcpt@example.net"].EnhancedCode);
        Assert.Equal(ReplyKind.Permanent, result.Replies["rcpt@example.net"].Kind);
    }

    [Fact]
    public async Task Relay_WhenMessageNeedsSmtpUtf8AndPeerLacksIt_FailsWith567WithoutSending()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        var peer = h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.EhloPlain);
        var request = RelayHarness.Request(TestMessages.Simple) with { RequiresSmtpUtf8 = true };

        var result = await h.Relay.RelayAsync(request, default);

        var reply = result.Replies["rcpt@example.net"];
        Assert.Equal(ReplyKind.Permanent, reply.Kind);
        Assert.Equal("5.6.7", reply.EnhancedCode);
        Assert.DoesNotContain("MAIL FROM", peer.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_WhenTlsRequiredAndNotOffered_DefersWithoutSending()
    {
        await using var h = new RelayHarness(o => o.RequireTlsDomains = "other.test, Example.NET");
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        var peer = h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, "221 2.0.0 Bye");

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        var reply = result.Replies["rcpt@example.net"];
        Assert.Equal(ReplyKind.Transient, reply.Kind);
        Assert.Equal("4.7.4", reply.EnhancedCode);
        Assert.DoesNotContain("MAIL FROM", peer.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_WhenMessageExceedsAnnouncedSize_FailsWith534()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, "250-mx.example.net\r\n250 SIZE 100");

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Tricky), default);

        Assert.Equal("5.3.4", result.Replies["rcpt@example.net"].EnhancedCode);
    }

    [Fact]
    public async Task Relay_WhenRouteFails_ReportsTheRouteFailureForEveryRecipient()
    {
        await using var h = new RelayHarness();
        h.Resolver.Fail("example.net", FailureClassifier.NullMx("example.net"));

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple, "s@sender.test", "a@example.net", "b@example.net"), default);

        Assert.All(result.Replies.Values, r => Assert.Equal("5.1.10", r.EnhancedCode));
        Assert.Null(result.Peer);
        Assert.Empty(h.Connector.Connections);
    }

    [Fact]
    public async Task Relay_SecondMessageToSameDestination_ReusesTheSessionAfterNoop()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        var peer = h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, Queued, Ok, Ok, Ok, DataGo, Queued);

        var first = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);
        Assert.Equal(1, h.Cache.IdleCount);
        var second = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal(ReplyKind.Success, first.Replies["rcpt@example.net"].Kind);
        Assert.Equal(ReplyKind.Success, second.Replies["rcpt@example.net"].Kind);
        Assert.Single(h.Connector.Connections);
        Assert.Contains("NOOP\r\n", peer.Transcript, StringComparison.Ordinal);
        Assert.Equal(0, peer.Remaining);
        var sessions = h.Sessions.GetMeasurementSnapshot();
        Assert.Equal(1, sessions.Count(m => m.Tags["reused"] is false));
        Assert.Equal(1, sessions.Count(m => m.Tags["reused"] is true));
    }

    [Fact]
    public async Task Relay_WhenCachedSessionWasDropped_OpensANewOne()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, Queued, SmtpReplayStream.Drop);
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, Queued);

        await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);
        var second = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal(ReplyKind.Success, second.Replies["rcpt@example.net"].Kind);
        Assert.Equal(2, h.Connector.Connections.Count);
    }

    [Fact]
    public async Task Cache_ClosesSessionsIdleLongerThanTheTimeout()
    {
        await using var h = new RelayHarness(o => o.SessionIdleTimeout = TimeSpan.FromSeconds(10));
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        var peer = h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, Queued, "221 2.0.0 Bye");

        await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);
        Assert.Equal(1, h.Cache.IdleCount);
        h.Time.Advance(TimeSpan.FromSeconds(16));

        Assert.True(SpinWait.SpinUntil(() => h.Cache.IdleCount == 0 && peer.Transcript.Contains("QUIT", StringComparison.Ordinal), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Relay_AfterMaxMessagesPerSession_DoesNotReuse()
    {
        await using var h = new RelayHarness(o => o.MaxMessagesPerSession = 1);
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, Queued, "221 2.0.0 Bye");

        await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal(0, h.Cache.IdleCount);
    }

    [Fact]
    public async Task Relay_WithAnUnparsableSender_FailsWith517WithoutSending()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        var peer = h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple, sender: "no at sign here"), default);

        Assert.Equal("5.1.7", result.Replies["rcpt@example.net"].EnhancedCode);
        Assert.DoesNotContain("MAIL FROM", peer.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_WithAnUnparsableRecipient_FailsOnlyThatOne()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, Queued);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple, "s@sender.test", "good@example.net", "bad@@example.net"), default);

        Assert.Equal(ReplyKind.Success, result.Replies["good@example.net"].Kind);
        Assert.Equal("5.1.3", result.Replies["bad@@example.net"].EnhancedCode);
    }
}
