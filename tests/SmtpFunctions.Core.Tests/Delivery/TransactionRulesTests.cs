using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Core.Tests.Delivery;

/// <summary>
/// What one exchanger's replies mean inside a session: RFC 5321 §4.5.3.1.10's 552-is-452, the recipient limit that
/// sends the rest in a new transaction at once, the duplicate window after the final dot, opportunistic STARTTLS that
/// falls back to cleartext.
/// </summary>
public sealed class TransactionRulesTests
{
    private const string Ok = "250 2.0.0 Ok";
    private const string DataGo = "354 End data with <CR><LF>.<CR><LF>";
    private const string Queued = "250 2.0.0 Ok: queued as ABC123";
    private const string EhloTls = "250-mx.example.net\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME";

    [Fact]
    public async Task Relay_When552IsTheReplyToRcpt_TreatsItAs452()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, "552 5.2.2 <rcpt@example.net>: Mailbox full");

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        var reply = result.Replies["rcpt@example.net"];
        Assert.Equal(ReplyKind.Transient, reply.Kind);
        Assert.Equal(452, reply.Code);
        Assert.Equal("4.2.2", reply.EnhancedCode);
    }

    [Theory]
    [InlineData("452 4.5.3 Error: too many recipients")]
    [InlineData("552 5.5.3 Too many recipients")]
    public async Task Relay_WhenThePeersRecipientLimitIsReached_SendsTheRestInANewTransactionAtOnce(string limitReply)
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        var peer = h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo,
            Ok, Ok, Ok, limitReply, DataGo, Queued,
            Ok, Ok, DataGo, Queued);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple, "s@sender.test", "a@example.net", "b@example.net", "c@example.net"), default);

        Assert.All(result.Replies.Values, r => Assert.Equal(ReplyKind.Success, r.Kind));
        Assert.Equal(2, CountOf(peer.Transcript, "MAIL FROM:"));
        Assert.Equal(2, CountOf(peer.Transcript, "RCPT TO:<c@example.net>"));
        Assert.Single(h.Connector.Connections);
        Assert.Equal(0, peer.Remaining);
    }

    [Fact]
    public async Task Relay_WhenARecipientLimitOfTwoMeetsFiveRecipients_DeliversAllOverOneSession()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        const string TooMany = "452 4.5.3 Error: too many recipients";
        var peer = h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo,
            Ok, Ok, Ok, TooMany, TooMany, TooMany, DataGo, Queued,
            Ok, Ok, Ok, TooMany, DataGo, Queued,
            Ok, Ok, DataGo, Queued);
        string[] recipients = ["r1@example.net", "r2@example.net", "r3@example.net", "r4@example.net", "r5@example.net"];

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple, "s@sender.test", recipients), default);

        Assert.All(recipients, r => Assert.Equal(ReplyKind.Success, result.Replies[r].Kind));
        Assert.Equal(3, CountOf(peer.Transcript, "MAIL FROM:"));
        Assert.Single(h.Connector.Connections);
        Assert.Equal(0, peer.Remaining);
    }

    [Fact]
    public async Task Relay_When452IsTheReplyToEveryRecipient_DefersThemWithoutAnotherTransaction()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        var peer = h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, "452 4.3.1 Insufficient system storage", Ok);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal(ReplyKind.Transient, result.Replies["rcpt@example.net"].Kind);
        Assert.Equal(1, CountOf(peer.Transcript, "MAIL FROM:"));
    }

    [Fact]
    public async Task Relay_WhenThePeerDropsAfterTheFinalDot_DefersAndReportsTheDuplicateWindow()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, "550 5.1.1 Unknown", Ok, DataGo, SmtpReplayStream.Drop);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple, "s@sender.test", "bad@example.net", "good@example.net"), default);

        var reply = result.Replies["good@example.net"];
        Assert.Equal(ReplyKind.Transient, reply.Kind);
        Assert.Equal("4.4.2", reply.EnhancedCode);
        Assert.Equal("lost connection with mx.example.net[192.0.2.10]:25 while sending end of data -- message may be sent more than once", reply.Text);
        Assert.Equal(["good@example.net"], result.UnconfirmedRecipients);
        // The recipient refused before the drop keeps its own answer.
        Assert.Equal("5.1.1", result.Replies["bad@example.net"].EnhancedCode);
    }

    [Fact]
    public async Task Relay_WhenThePeerDropsDuringRcpt_ReportsTheStageAndNoDuplicateWindow()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, SmtpReplayStream.Drop);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal("lost connection with mx.example.net[192.0.2.10]:25 while sending RCPT TO", result.Replies["rcpt@example.net"].Text);
        Assert.Empty(result.UnconfirmedRecipients);
    }

    [Theory]
    [InlineData("220 2.0.0 Ready to start TLS", "this is not a TLS record, just text")]
    [InlineData("454 4.7.0 TLS not available due to local problem", null)]
    public async Task Relay_WhenOpportunisticStartTlsFails_RetriesTheSamePeerInCleartext(string startTlsReply, string? afterReply)
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        var broken = h.Connector.Add("192.0.2.10", [RelayHarness.Greeting, EhloTls, startTlsReply, .. afterReply is null ? Array.Empty<string>() : [afterReply]]);
        var plain = h.Connector.Add("192.0.2.10", RelayHarness.Greeting, EhloTls, Ok, Ok, DataGo, Queued);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal(ReplyKind.Success, result.Replies["rcpt@example.net"].Kind);
        Assert.False(result.Tls);
        Assert.Contains("STARTTLS", broken.Transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("STARTTLS", plain.Transcript, StringComparison.Ordinal);
        Assert.Equal(["192.0.2.10", "192.0.2.10"], h.Connector.Connections);
    }

    [Fact]
    public async Task Relay_WhenStartTlsFailsAndTlsIsRequired_DefersWithoutCleartext()
    {
        await using var h = new RelayHarness(o => o.RequireTlsDomains = "example.net");
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, EhloTls, "220 2.0.0 Ready to start TLS", "this is not a TLS record, just text");
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, EhloTls, Ok, Ok, DataGo, Queued);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        var reply = result.Replies["rcpt@example.net"];
        Assert.Equal(ReplyKind.Transient, reply.Kind);
        Assert.Equal("4.7.5", reply.EnhancedCode);
        // What the TLS stack said, not MailKit's page of generic advice.
        Assert.StartsWith("TLS handshake failed: ", reply.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("FAQ", reply.Text, StringComparison.Ordinal);
        Assert.Single(h.Connector.Connections);
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
