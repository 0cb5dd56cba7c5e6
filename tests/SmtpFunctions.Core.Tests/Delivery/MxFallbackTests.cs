using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Core.Tests.Delivery;

/// <summary>
/// Postfix's rules for moving between exchangers in one attempt: transient failures keep the recipient for the next
/// one, permanent answers settle it, a 5xx greeting moves on, the most hopeful outcome wins, and the session and address
/// limits bound it.
/// </summary>
public sealed class MxFallbackTests
{
    private const string Ok = "250 2.0.0 Ok";
    private const string DataGo = "354 End data with <CR><LF>.<CR><LF>";
    private const string Queued = "250 2.0.0 Ok: queued as ABC123";

    [Fact]
    public async Task Relay_WhenTheFirstMxIsUnreachableAndTheSecondGreets5xx_DefersRatherThanBounces()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx1.example.net", 10, "192.0.2.10"), ("mx2.example.net", 20, "192.0.2.20"));
        h.Connector.Add("192.0.2.20", "554 5.7.1 No SMTP service here");

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        var reply = result.Replies["rcpt@example.net"];
        Assert.Equal(ReplyKind.Transient, reply.Kind);
        // The peer's words are kept, with the class of a transient failure (smtp_skip_5xx_greeting).
        Assert.Equal(554, reply.Code);
        Assert.Equal("4.7.1", reply.EnhancedCode);
        Assert.Equal(["192.0.2.10", "192.0.2.20"], h.Connector.Connections);
    }

    [Fact]
    public async Task Relay_WhenTheOnlyMxGreets5xx_Defers()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        h.Connector.Add("192.0.2.10", "554 5.3.2 Not accepting mail");

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal(ReplyKind.Transient, result.Replies["rcpt@example.net"].Kind);
        Assert.Equal("4.3.2", result.Replies["rcpt@example.net"].EnhancedCode);
    }

    [Fact]
    public async Task Relay_WhenTheFirstMxGreylistsARecipient_TheSecondMxGetsIt()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx1.example.net", 10, "192.0.2.10"), ("mx2.example.net", 20, "192.0.2.20"));
        var first = h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, "450 4.2.0 <b@example.net>: Greylisted", DataGo, Queued);
        var second = h.Connector.Add("192.0.2.20", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, Queued);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple, "s@sender.test", "a@example.net", "b@example.net"), default);

        Assert.Equal(ReplyKind.Success, result.Replies["a@example.net"].Kind);
        Assert.Equal(ReplyKind.Success, result.Replies["b@example.net"].Kind);
        Assert.Contains("RCPT TO:<b@example.net>", first.Transcript, StringComparison.Ordinal);
        // Only the recipient still pending goes to the second exchanger.
        Assert.DoesNotContain("RCPT TO:<a@example.net>", second.Transcript, StringComparison.Ordinal);
        Assert.Contains("RCPT TO:<b@example.net>", second.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_WhenTheFirstMxRefusesARecipientForGood_TheSecondMxIsNotAsked()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx1.example.net", 10, "192.0.2.10"), ("mx2.example.net", 20, "192.0.2.20"));
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, "550 5.1.1 User unknown");

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal("5.1.1", result.Replies["rcpt@example.net"].EnhancedCode);
        Assert.Equal(["192.0.2.10"], h.Connector.Connections);
    }

    [Fact]
    public async Task Relay_WhenEveryMxFails_ThePeersReplyBeatsALaterLocalCondition()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx1.example.net", 10, "192.0.2.10"), ("mx2.example.net", 20, "192.0.2.20"));
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, "451 4.3.0 Temporary lookup failure");

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        var reply = result.Replies["rcpt@example.net"];
        Assert.Equal(451, reply.Code);
        Assert.Equal("4.3.0", reply.EnhancedCode);
    }

    [Fact]
    public async Task Relay_StopsAfterMaxMxSessions_EvenWithExchangersLeft()
    {
        await using var h = new RelayHarness(o => o.MaxMxSessions = 2);
        h.Resolver.Set("example.net", ("mx1.example.net", 10, "192.0.2.10"), ("mx2.example.net", 20, "192.0.2.20"), ("mx3.example.net", 30, "192.0.2.30"));
        foreach (var address in new[] { "192.0.2.10", "192.0.2.20", "192.0.2.30" })
        {
            h.Connector.Add(address, RelayHarness.Greeting, RelayHarness.Ehlo, "421 4.7.0 Try again later");
        }

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal(ReplyKind.Transient, result.Replies["rcpt@example.net"].Kind);
        Assert.Equal(["192.0.2.10", "192.0.2.20"], h.Connector.Connections);
    }

    [Fact]
    public async Task Relay_ConnectionsThatNeverGreet_CountAgainstAddressesNotSessions()
    {
        await using var h = new RelayHarness(o =>
        {
            o.MaxMxSessions = 1;
            o.MaxMxAddresses = 3;
        });
        h.Resolver.Set("example.net", ("mx1.example.net", 10, "192.0.2.10"), ("mx2.example.net", 20, "192.0.2.20"),
            ("mx3.example.net", 30, "192.0.2.30"), ("mx4.example.net", 40, "192.0.2.40"));
        h.Connector.Add("192.0.2.20", "421 4.3.2 Shutting down");

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal(ReplyKind.Transient, result.Replies["rcpt@example.net"].Kind);
        // Refused, 421 greeting, refused: three addresses, no session; the fourth is beyond the address limit.
        Assert.Equal(["192.0.2.10", "192.0.2.20", "192.0.2.30"], h.Connector.Connections);
        Assert.Equal(421, result.Replies["rcpt@example.net"].Code);
    }

    [Fact]
    public async Task Relay_WhenTheFirstSessionDropsAfterTheDot_TheSecondMxIsTriedAndTheDuplicateWindowIsReported()
    {
        await using var h = new RelayHarness();
        h.Resolver.Set("example.net", ("mx1.example.net", 10, "192.0.2.10"), ("mx2.example.net", 20, "192.0.2.20"));
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, SmtpReplayStream.Drop);
        h.Connector.Add("192.0.2.20", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, Queued);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal(ReplyKind.Success, result.Replies["rcpt@example.net"].Kind);
        Assert.Equal(["rcpt@example.net"], result.UnconfirmedRecipients);
    }
}
