using System.Diagnostics;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Testing.Dns;
using SmtpFunctions.Testing.Peers;
using SmtpFunctions.Testing.Postfix;
using SmtpFunctions.Testing.Processes;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// Misbehaving peers on real sockets (a scripted peer where smtp-sink cannot play the part, smtp-sink where it can), a
/// real DNS server, the relay as a host builds it: each attempt ends deferred within the configured deadlines, and
/// says how long it took. Deadlines are seconds here so the tests take seconds; the defaults are RFC 5321's minutes.
/// </summary>
public sealed class RelayDeadlineScenarioTests(ITestOutputHelper output)
{
    // The attempt may end later than its deadline by scheduling on a busy 2-core machine, never earlier.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task SilentPeer_AcceptsTcpAndNeverGreets_EndsDeferredAtTheGreetingTimeout()
    {
        await using var world = await MailWorld.CreateAsync();
        await using var peer = ScriptedSmtpPeer.Start(LoopbackAddresses.Next(), world.Port, ScriptedPeerMode.Silent);
        await world.ServeAsync(MailWorld.MxZone("silent.test", peer.Address));
        await using var relay = RelayHost.Start(world, output, ("Delivery:GreetingTimeout", "00:00:02"));

        var (result, elapsed) = await relay.TimedAsync(RelayHost.Request("silent.test"));

        Report("silent peer", elapsed, "Delivery:GreetingTimeout 2 s", result);
        var reply = result.Replies["rcpt@silent.test"];
        Assert.Equal(ReplyKind.Transient, reply.Kind);
        Assert.Equal($"conversation with mx.silent.test[{peer.Address}]:{world.Port} timed out after 2 s while receiving the initial server greeting", reply.Text);
        Within(elapsed, TimeSpan.FromSeconds(2));
        Assert.Equal(1, peer.Connections);
    }

    [Fact]
    public async Task DrippingPeer_OneByteEveryHalfSecond_EndsDeferredAtTheGreetingTimeoutNotNever()
    {
        // Each byte comes well within any per-read timeout; only a deadline per reply ends this.
        await using var world = await MailWorld.CreateAsync();
        await using var peer = ScriptedSmtpPeer.Start(LoopbackAddresses.Next(), world.Port, ScriptedPeerMode.DripGreeting, TimeSpan.FromMilliseconds(500));
        await world.ServeAsync(MailWorld.MxZone("drip.test", peer.Address));
        await using var relay = RelayHost.Start(world, output, ("Delivery:GreetingTimeout", "00:00:03"));

        var (result, elapsed) = await relay.TimedAsync(RelayHost.Request("drip.test"));

        Report("dripping peer (1 byte / 0.5 s)", elapsed, "Delivery:GreetingTimeout 3 s", result);
        var reply = result.Replies["rcpt@drip.test"];
        Assert.Equal(ReplyKind.Transient, reply.Kind);
        Assert.EndsWith("timed out after 3 s while receiving the initial server greeting", reply.Text, StringComparison.Ordinal);
        Within(elapsed, TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task TarpittingPeer_EveryReplyInTimeButTheWholeTooSlow_EndsDeferredAtTheAttemptBudget()
    {
        // smtp-sink waits 2 s before each reply: every step is inside its 3 s timeout, the attempt is not inside 5 s.
        await using var world = await MailWorld.CreateAsync();
        var delay = TimeSpan.FromSeconds(2);
        var sink = await world.StartSinkAsync(new SmtpSinkOptions
        {
            HostName = "tarpit.peer.test",
            Pipelining = false,
            CommandDelays = new Dictionary<string, TimeSpan> { ["EHLO"] = delay, ["MAIL"] = delay, ["RCPT"] = delay, ["DATA"] = delay, ["."] = delay },
        });
        await world.ServeAsync(MailWorld.MxZone("tarpit.test", sink.Address));
        await using var relay = RelayHost.Start(world, output,
            ("Delivery:GreetingTimeout", "00:00:03"), ("Delivery:MailTimeout", "00:00:03"), ("Delivery:RcptTimeout", "00:00:03"),
            ("Delivery:DataInitTimeout", "00:00:03"), ("Delivery:DataTerminationTimeout", "00:00:03"), ("Delivery:AttemptTimeout", "00:00:05"));

        var (result, elapsed) = await relay.TimedAsync(RelayHost.Request("tarpit.test"));

        Report("tarpitting peer (2 s per reply)", elapsed, "step timeouts 3 s, Delivery:AttemptTimeout 5 s", result);
        var reply = result.Replies["rcpt@tarpit.test"];
        Assert.Equal(ReplyKind.Transient, reply.Kind);
        Assert.StartsWith("delivery attempt ran out of its 5 s budget (Delivery:AttemptTimeout) while sending RCPT TO", reply.Text, StringComparison.Ordinal);
        Within(elapsed, TimeSpan.FromSeconds(5));
        Assert.Empty(sink.ReadMessages());
    }

    [Fact]
    public async Task PeerThatDropsAfterTheFinalDot_EndsDeferredAndReportsTheDuplicateWindow()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions { DisconnectAfter = ["."] });
        await world.ServeAsync(MailWorld.MxZone("dropdot.test", sink.Address));
        await using var relay = RelayHost.Start(world, output);

        var (result, elapsed) = await relay.TimedAsync(RelayHost.Request("dropdot.test"));

        Report("peer dropping after the final dot", elapsed, "no deadline involved", result);
        var reply = result.Replies["rcpt@dropdot.test"];
        Assert.Equal(ReplyKind.Transient, reply.Kind);
        Assert.Equal($"lost connection with mx.dropdot.test[{sink.Address}]:{world.Port} while sending end of data -- message may be sent more than once", reply.Text);
        Assert.Equal(["rcpt@dropdot.test"], result.UnconfirmedRecipients);
        // The window is real: the peer has the whole message although we were never told so.
        var received = Assert.Single(await sink.WaitForMessagesAsync(1, timeout: TimeSpan.FromSeconds(10)));
        Assert.Equal(["rcpt@dropdot.test"], received.Recipients);
    }

    [Fact]
    public async Task WhileOneDomainsPeerIsSilent_DeliveryToAnotherDomainKeepsFlowing()
    {
        await using var world = await MailWorld.CreateAsync();
        await using var silent = ScriptedSmtpPeer.Start(LoopbackAddresses.Next(), world.Port, ScriptedPeerMode.Silent);
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("silent.test", silent.Address));
        await world.ServeAsync(MailWorld.MxZone("good.test", sink.Address));
        await using var relay = RelayHost.Start(world, output, ("Delivery:GreetingTimeout", "00:00:06"));
        var watch = Stopwatch.StartNew();

        var hanging = relay.TimedAsync(RelayHost.Request("silent.test"));
        await silent.WaitForConnectionAsync(TimeSpan.FromSeconds(10));
        var flowing = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => relay.TimedAsync(RelayHost.Request("good.test", $"r{i}@good.test"))));
        var flowed = watch.Elapsed;
        var stillHanging = !hanging.IsCompleted;
        var (silentResult, silentElapsed) = await hanging;

        output.WriteLine($"20 messages to good.test delivered in {flowed.TotalSeconds:F2} s (slowest {flowing.Max(f => f.Elapsed).TotalSeconds:F2} s) " +
            $"while silent.test hung; silent.test deferred after {silentElapsed.TotalSeconds:F2} s (Delivery:GreetingTimeout 6 s)");
        Assert.All(flowing, f => Assert.Equal(ReplyKind.Success, f.Result.Replies.Values.Single().Kind));
        Assert.True(stillHanging, "the silent domain's attempt ended before the other domain's 20 messages were through");
        Assert.Equal(ReplyKind.Transient, silentResult.Replies["rcpt@silent.test"].Kind);
        Within(silentElapsed, TimeSpan.FromSeconds(6));
        Assert.Equal(20, (await sink.WaitForMessagesAsync(20, timeout: TimeSpan.FromSeconds(10))).Count);
    }

    private void Report(string peer, TimeSpan elapsed, string configured, RelayResult result) =>
        output.WriteLine($"{peer}: ended after {elapsed.TotalSeconds:F2} s ({configured}): {string.Join("; ", result.Replies.Select(r => $"{r.Key} {r.Value}"))}");

    private static void Within(TimeSpan elapsed, TimeSpan deadline)
    {
        Assert.True(elapsed >= deadline - TimeSpan.FromMilliseconds(50), $"ended after {elapsed}, before the {deadline} deadline");
        Assert.True(elapsed < deadline + Slack, $"ended after {elapsed}, more than {Slack} past the {deadline} deadline");
    }
}
