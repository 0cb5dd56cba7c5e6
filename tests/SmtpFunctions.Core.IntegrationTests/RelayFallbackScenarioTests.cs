using System.Text.RegularExpressions;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Testing.Dns;
using SmtpFunctions.Testing.Peers;
using SmtpFunctions.Testing.Postfix;
using SmtpFunctions.Testing.Processes;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// Postfix's classification rules against real peers: a 5xx greeting moves on to the next MX, the most hopeful outcome
/// of the exchangers wins, a broken STARTTLS falls back to cleartext on the same peer, and Postfix's own recipient limit
/// (452 4.5.3) gets the rest in new transactions at once.
/// </summary>
public sealed partial class RelayFallbackScenarioTests(ITestOutputHelper output)
{
    private static readonly TimeSpan MailWait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task FiveXxGreeting_MovesOnToTheNextMx()
    {
        await using var world = await MailWorld.CreateAsync();
        var refusing = await world.StartSinkAsync(new SmtpSinkOptions { HardReject = ["CONNECT"], HardRejectReply = "554 5.7.1 No SMTP service here" });
        var accepting = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(new DnsZone("greet.test")
            .Mx("greet.test", 10, "mx1.greet.test").A("mx1.greet.test", refusing.Address)
            .Mx("greet.test", 20, "mx2.greet.test").A("mx2.greet.test", accepting.Address));
        await using var relay = RelayHost.Start(world, output);

        var (result, _) = await relay.TimedAsync(RelayHost.Request("greet.test"));

        Assert.Equal(ReplyKind.Success, result.Replies["rcpt@greet.test"].Kind);
        Assert.StartsWith("mx2.greet.test[", result.Peer, StringComparison.Ordinal);
        Assert.Single(await accepting.WaitForMessagesAsync(1, timeout: MailWait));
        Assert.Equal(1, (await refusing.WaitForSessionsAsync(1)).Total);
    }

    [Fact]
    public async Task TransientAtTheFirstMx_And5xxGreetingAtTheSecond_DefersRatherThanBounces()
    {
        await using var world = await MailWorld.CreateAsync();
        var greylisting = await world.StartSinkAsync(new SmtpSinkOptions { SoftReject = ["RCPT"], SoftRejectReply = "450 4.2.0 Greylisted, come back later" });
        var refusing = await world.StartSinkAsync(new SmtpSinkOptions { HardReject = ["CONNECT"], HardRejectReply = "554 5.7.1 No SMTP service here" });
        await world.ServeAsync(new DnsZone("hope.test")
            .Mx("hope.test", 10, "mx1.hope.test").A("mx1.hope.test", greylisting.Address)
            .Mx("hope.test", 20, "mx2.hope.test").A("mx2.hope.test", refusing.Address));
        await using var relay = RelayHost.Start(world, output);

        var (result, _) = await relay.TimedAsync(RelayHost.Request("hope.test"));

        var reply = result.Replies["rcpt@hope.test"];
        output.WriteLine($"outcome: {reply}");
        Assert.Equal(ReplyKind.Transient, reply.Kind);
        // The more hopeful of the two: the first exchanger's greylisting, not the second's refusal to talk.
        Assert.Equal(450, reply.Code);
        Assert.Equal(1, (await greylisting.WaitForSessionsAsync(1)).Total);
        Assert.Equal(1, (await refusing.WaitForSessionsAsync(1)).Total);
    }

    [Fact]
    public async Task BrokenStartTls_IsRetriedInCleartextOnTheSamePeer()
    {
        await using var world = await MailWorld.CreateAsync();
        await using var peer = ScriptedSmtpPeer.Start(LoopbackAddresses.Next(), world.Port, ScriptedPeerMode.BrokenStartTls);
        await world.ServeAsync(MailWorld.MxZone("badtls.test", peer.Address));
        await using var relay = RelayHost.Start(world, output);

        var (result, _) = await relay.TimedAsync(RelayHost.Request("badtls.test"));

        Assert.Equal(ReplyKind.Success, result.Replies["rcpt@badtls.test"].Kind);
        Assert.False(result.Tls);
        Assert.Equal(2, peer.Connections);
        Assert.Contains("Hello from the relay scenario.", Assert.Single(peer.Messages), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokenStartTls_WithTlsRequired_IsNotRetriedInCleartext()
    {
        await using var world = await MailWorld.CreateAsync();
        await using var peer = ScriptedSmtpPeer.Start(LoopbackAddresses.Next(), world.Port, ScriptedPeerMode.BrokenStartTls);
        await world.ServeAsync(MailWorld.MxZone("mustls.test", peer.Address));
        await using var relay = RelayHost.Start(world, output, ("Delivery:RequireTlsDomains", "mustls.test"));

        var (result, _) = await relay.TimedAsync(RelayHost.Request("mustls.test"));

        var reply = result.Replies["rcpt@mustls.test"];
        Assert.Equal(ReplyKind.Transient, reply.Kind);
        Assert.Equal("4.7.5", reply.EnhancedCode);
        Assert.Equal(1, peer.Connections);
        Assert.Empty(peer.Messages);
    }

    [Fact]
    public async Task PostfixRecipientLimit_TheRestGoInNewTransactionsOfTheSameAttempt()
    {
        await using var world = await MailWorld.CreateAsync();
        string[] recipients = ["r1@limit.test", "r2@limit.test", "r3@limit.test", "r4@limit.test", "r5@limit.test"];
        var postfix = await world.StartPostfixAsync(o => o.MainCf["smtpd_recipient_limit"] = "2", recipients);
        await world.ServeAsync(MailWorld.MxZone("limit.test", postfix.Address));
        await using var relay = RelayHost.Start(world, output);

        var (result, elapsed) = await relay.TimedAsync(RelayHost.Request("limit.test", recipients));

        Assert.All(recipients, r => Assert.Equal(ReplyKind.Success, result.Replies[r].Kind));
        foreach (var recipient in recipients)
        {
            Assert.Single(await postfix.WaitForMailboxAsync(recipient, 1, MailWait));
        }

        // Postfix queues one message per transaction it accepted: 2 + 2 + 1 recipients, over one connection.
        var log = postfix.ReadLog();
        var connects = ConnectLine().Count(log);
        var transactions = QueuedFromSender().Count(log);
        output.WriteLine($"5 recipients, smtpd_recipient_limit 2: all delivered in one attempt of {elapsed.TotalSeconds:F2} s, {transactions} transactions over {connects} connection(s)");
        Assert.Equal(1, connects);
        Assert.Equal(3, transactions);
    }

    [GeneratedRegex(@"postfix/smtpd\[\d+\]: connect from ")]
    private static partial Regex ConnectLine();

    [GeneratedRegex(@"postfix/qmgr\[\d+\]: \w+: from=<sender@sender\.test>")]
    private static partial Regex QueuedFromSender();
}
