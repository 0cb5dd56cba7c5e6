using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Core.Tests.Delivery;

/// <summary>
/// Every network step has its RFC 5321 §4.5.3.2 deadline, enforced on the asynchronous calls, and the attempt has a
/// budget: proven on the fake clock, to the tick.
/// </summary>
public sealed class DeadlineTests
{
    private const string Ok = "250 2.0.0 Ok";
    private const string DataGo = "354 End data with <CR><LF>.<CR><LF>";
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan RealTimeGuard = TimeSpan.FromSeconds(30);

    public static TheoryData<string, string[]> SilentStages => new()
    {
        { "GreetingTimeout|receiving the initial server greeting", [SmtpReplayStream.Silence] },
        { "GreetingTimeout|performing the EHLO and STARTTLS handshake", [RelayHarness.Greeting, SmtpReplayStream.Silence] },
        { "MailTimeout|sending MAIL FROM", [RelayHarness.Greeting, RelayHarness.Ehlo, SmtpReplayStream.Silence] },
        { "RcptTimeout|sending RCPT TO", [RelayHarness.Greeting, RelayHarness.Ehlo, Ok, SmtpReplayStream.Silence] },
        { "DataInitTimeout|sending DATA command", [RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, SmtpReplayStream.Silence] },
        { "DataTerminationTimeout|sending end of data -- message may be sent more than once", [RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, SmtpReplayStream.Silence] },
    };

    [Theory]
    [MemberData(nameof(SilentStages))]
    public async Task Relay_WhenThePeerFallsSilent_DefersExactlyAtThatStagesTimeout(string expectation, string[] script)
    {
        var (option, stage) = (expectation.Split('|')[0], expectation.Split('|')[1]);
        await using var h = new RelayHarness(o =>
        {
            // Distinct values, so the test proves which one applied.
            o.GreetingTimeout = TimeSpan.FromMinutes(5);
            o.MailTimeout = TimeSpan.FromMinutes(4);
            o.RcptTimeout = TimeSpan.FromMinutes(3);
            o.DataInitTimeout = TimeSpan.FromMinutes(2);
            o.DataTerminationTimeout = TimeSpan.FromMinutes(10);
        });
        var timeout = (TimeSpan)typeof(Core.Options.DeliveryOptions).GetProperty(option)!.GetValue(h.Options)!;
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        var peer = h.Connector.Add("192.0.2.10", script);
        peer.Clock = h.Time;

        var result = await EndsExactlyAfterAsync(h, peer, h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default), timeout);

        var reply = result.Replies["rcpt@example.net"];
        Assert.Equal(ReplyKind.Transient, reply.Kind);
        Assert.Equal("4.4.2", reply.EnhancedCode);
        Assert.Equal($"conversation with mx.example.net[192.0.2.10]:25 timed out after {Minutes(timeout)} while {stage}", reply.Text);
        Assert.Equal(script.Length == 6 ? ["rcpt@example.net"] : [], result.UnconfirmedRecipients);
        Assert.Equal(0, h.Cache.IdleCount);
    }

    [Fact]
    public async Task Relay_WhenThePeerDripsItsGreeting_TheDeadlineHoldsAcrossReads()
    {
        // One byte every 10 s never trips a per-read timeout; the reply's deadline is the greeting timeout all the same.
        await using var h = new RelayHarness(o => o.GreetingTimeout = TimeSpan.FromMinutes(5));
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        var peer = h.Connector.Add("192.0.2.10", string.Join("\r\n", Enumerable.Repeat("220-drip drip drip", 40)) + "\r\n220 done");
        peer.Clock = h.Time;
        peer.DripInterval = TimeSpan.FromSeconds(10);
        var started = h.Time.GetUtcNow();

        var relay = h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);
        using var guard = new CancellationTokenSource(RealTimeGuard);
        while (await Task.WhenAny(relay, peer.WaitingAsync(guard.Token)) != relay)
        {
            h.Time.Advance(TimeSpan.FromSeconds(10));
        }

        var result = await relay;
        var elapsed = h.Time.GetUtcNow() - started;
        Assert.Equal(TimeSpan.FromMinutes(5), elapsed);
        Assert.Contains("timed out after 5 min while receiving the initial server greeting", result.Replies["rcpt@example.net"].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_WhenThePeerStopsReadingTheContent_DefersAtTheDataBlockTimeout()
    {
        await using var h = new RelayHarness(o => o.DataBlockTimeout = TimeSpan.FromMinutes(3));
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        var peer = h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo);
        peer.Clock = h.Time;
        peer.StallWritesWhenScriptEnds = true;

        var result = await EndsExactlyAfterAsync(h, peer, h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default), TimeSpan.FromMinutes(3));

        Assert.Equal("conversation with mx.example.net[192.0.2.10]:25 timed out after 3 min while sending message body", result.Replies["rcpt@example.net"].Text);
        Assert.Empty(result.UnconfirmedRecipients);
    }

    [Fact]
    public async Task Relay_WhenTheAttemptBudgetRunsOutFirst_DefersAtTheBudget()
    {
        await using var h = new RelayHarness(o =>
        {
            o.GreetingTimeout = TimeSpan.FromMinutes(5);
            o.AttemptTimeout = TimeSpan.FromMinutes(3);
        });
        h.Resolver.Set("example.net", ("mx1.example.net", 10, "192.0.2.10"), ("mx2.example.net", 20, "192.0.2.20"));
        var peer = h.Connector.Add("192.0.2.10", SmtpReplayStream.Silence);
        peer.Clock = h.Time;
        h.Connector.Add("192.0.2.20", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, "250 2.0.0 queued");

        var result = await EndsExactlyAfterAsync(h, peer, h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default), TimeSpan.FromMinutes(3));

        var reply = result.Replies["rcpt@example.net"];
        Assert.Equal(ReplyKind.Transient, reply.Kind);
        Assert.Equal(
            "delivery attempt ran out of its 3 min budget (Delivery:AttemptTimeout) while receiving the initial server greeting with mx1.example.net[192.0.2.10]:25",
            reply.Text);
        // Out of time: the second exchanger is not tried.
        Assert.Equal(["192.0.2.10"], h.Connector.Connections);
    }

    [Fact]
    public async Task Cache_WhenAReusedSessionNoLongerAnswersNoop_OpensANewOneAfterTheCommandTimeout()
    {
        await using var h = new RelayHarness(o => o.CommandTimeout = TimeSpan.FromSeconds(20));
        h.Resolver.Set("example.net", ("mx.example.net", 10, "192.0.2.10"));
        var stale = h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, "250 2.0.0 queued", SmtpReplayStream.Silence);
        stale.Clock = h.Time;
        h.Connector.Add("192.0.2.10", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, DataGo, "250 2.0.0 queued");
        await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        var relay = h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);
        await stale.WaitingAsync(new CancellationTokenSource(RealTimeGuard).Token);
        h.Time.Advance(TimeSpan.FromSeconds(20));
        var result = await relay.WaitAsync(RealTimeGuard);

        Assert.Equal(ReplyKind.Success, result.Replies["rcpt@example.net"].Kind);
        Assert.Equal(2, h.Connector.Connections.Count);
    }

    // Once the peer's silence began: still running a tick before the limit, done at it.
    private static async Task<RelayResult> EndsExactlyAfterAsync(RelayHarness h, SmtpReplayStream peer, Task<RelayResult> relay, TimeSpan limit)
    {
        await peer.WaitingAsync(new CancellationTokenSource(RealTimeGuard).Token);
        h.Time.Advance(limit - Tick);
        Assert.False(relay.IsCompleted, $"ended before {limit}");
        h.Time.Advance(Tick);
        return await relay.WaitAsync(RealTimeGuard);
    }

    private static string Minutes(TimeSpan value) => value.TotalMinutes.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " min";
}
