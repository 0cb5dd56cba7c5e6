using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Dns;
using SmtpFunctions.Testing.Postfix;
using SmtpFunctions.Testing.Tls;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// Delivery rules proven against real peers: BIND for the zones, Postfix (and smtp-sink where a scripted peer is
/// simpler) as recipients' MX, Azurite for storage; submission and the job handler driven like the queue trigger does.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class DeliveryScenarioTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static readonly TimeSpan MailWait = TimeSpan.FromSeconds(30);

    private static string Json(params string[] to) =>
        $$"""{"from":"{{MailWorld.Sender}}","to":[{{string.Join(",", to.Select(t => $"\"{t}\""))}}],"subject":"Scenario","text":"Hello from the scenario."}""";

    // docs/telemetry.md: SmtpRelay's "Peer {Peer} not usable" and BounceSender's "DSN for … queued as {DsnId}".
    private const int PeerNotUsableEvent = 3101;
    private const int DsnQueuedEvent = 3201;

    private static void AssertTriedAndRefusedFirst(DeliveryHost host, string peerPrefix)
    {
        var unusable = host.LogEvents.Where(e => e.EventId == PeerNotUsableEvent).ToList();
        Assert.True(unusable.Count > 0, "no MX was refused: the preferred one was never tried");
        Assert.Contains("Peer " + peerPrefix, unusable[0].Message, StringComparison.Ordinal);
    }

    private static List<string> DisconnectLines(PostfixInstance postfix) =>
        postfix.ReadLog().Split('\n').Where(l => l.Contains("disconnect from", StringComparison.Ordinal)).ToList();

    private Task<DeliveryHost> HostAsync(MailWorld world, params (string Key, string Value)[] settings) =>
        world.StartHostAsync(azurite.Azurite.ConnectionString, output, settings);

    [Fact]
    public async Task TwoMx_WhenThePreferredOneIsDown_TheSecondIsUsed()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(null, "rcpt@two.test");
        await world.ServeAsync(new DnsZone("two.test")
            .Mx("two.test", 10, "mx1.two.test").A("mx1.two.test", MailWorld.DeadAddress())
            .Mx("two.test", 20, "mx2.two.test").A("mx2.two.test", postfix.Address));
        var host = await HostAsync(world);

        var receipt = await host.SubmitJsonAsync(Json("rcpt@two.test"));
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        var rcpt = Assert.Single(view.Recipients);
        Assert.Equal(RecipientStatus.Delivered, rcpt.Status);
        Assert.StartsWith("mx2.two.test[", rcpt.MxHost, StringComparison.Ordinal);
        Assert.Equal(1, rcpt.Attempts);
        Assert.Single(await postfix.WaitForMailboxAsync("rcpt@two.test", 1, MailWait));
        // The preferred MX was tried first, in the same attempt: had mx2 been tried first it would have taken the
        // message and mx1 would never have been contacted.
        AssertTriedAndRefusedFirst(host, "mx1.two.test[");
    }

    [Fact]
    public async Task NoMx_ButAnARecord_IsDeliveredToTheDomainItself()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(null, "rcpt@amx.test");
        await world.ServeAsync(new DnsZone("amx.test").A("amx.test", postfix.Address));
        var host = await HostAsync(world);

        var receipt = await host.SubmitJsonAsync(Json("rcpt@amx.test"));
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        var rcpt = Assert.Single(view.Recipients);
        Assert.Equal(RecipientStatus.Delivered, rcpt.Status);
        Assert.StartsWith("amx.test[", rcpt.MxHost, StringComparison.Ordinal);
        Assert.Single(await postfix.WaitForMailboxAsync("rcpt@amx.test", 1, MailWait));
    }

    [Fact]
    public async Task NullMx_FailsTheRecipientAndBouncesToTheSender()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(null, MailWorld.Sender);
        await world.ServeAsync(MailWorld.SenderZone(postfix));
        await world.ServeAsync(new DnsZone("nomail.test").NullMx("nomail.test"));
        var host = await HostAsync(world);

        var receipt = await host.SubmitJsonAsync(Json("rcpt@nomail.test"));
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        await host.RunUntilAsync(() => Task.FromResult(postfix.ReadMailbox(MailWorld.Sender).Count > 0));

        var rcpt = Assert.Single(view.Recipients);
        Assert.Equal(RecipientStatus.Failed, rcpt.Status);
        Assert.Equal("5.1.10", rcpt.LastEnhancedCode);
        var dsn = Dsn.From(Assert.Single(postfix.ReadMailbox(MailWorld.Sender)));
        Assert.Equal("", dsn.Stored.ReturnPath);
        var group = Assert.Single(dsn.Recipients);
        Assert.Equal("rfc822; rcpt@nomail.test", group["Final-Recipient"]);
        Assert.Equal("failed", group["Action"]);
        Assert.Equal("5.1.10", group["Status"]);
        Assert.Contains("Subject: Scenario", dsn.OriginalHeaders, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NxDomain_FailsTheRecipientAndBouncesToTheSender()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(null, MailWorld.Sender);
        await world.ServeAsync(MailWorld.SenderZone(postfix));
        await world.ServeAsync(new DnsZone("exists.test").A("www.exists.test", "127.0.0.1"));
        var host = await HostAsync(world);

        var receipt = await host.SubmitJsonAsync(Json("rcpt@missing.exists.test"));
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        await host.RunUntilAsync(() => Task.FromResult(postfix.ReadMailbox(MailWorld.Sender).Count > 0));

        Assert.Equal("5.1.2", Assert.Single(view.Recipients).LastEnhancedCode);
        var dsn = Dsn.From(Assert.Single(postfix.ReadMailbox(MailWorld.Sender)));
        var group = Assert.Single(dsn.Recipients);
        Assert.Equal("rfc822; rcpt@missing.exists.test", group["Final-Recipient"]);
        Assert.Equal("5.1.2", group["Status"]);
        Assert.StartsWith("X-SmtpFunctions;", group["Diagnostic-Code"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServFail_DefersThenDeliversOnceDnsAnswers()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(null, "rcpt@flaky.test");
        var zone = MailWorld.MxZone("flaky.test", postfix.Address).ServFail();
        await world.ServeAsync(zone);
        var host = await HostAsync(world, ("Retry:Schedule", "00:00:02"));

        var receipt = await host.SubmitJsonAsync(Json("rcpt@flaky.test"));
        await host.RunUntilAsync(async () => (await host.Status.GetViewAsync(receipt.MessageId, default))!.Recipients[0].Status == RecipientStatus.Deferred);
        var deferred = (await host.Status.GetViewAsync(receipt.MessageId, default))!.Recipients[0];
        zone.Answer();
        await world.Dns.RestartAsync();
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        Assert.Equal("4.4.3", deferred.LastEnhancedCode);
        Assert.NotNull(deferred.NextAttemptAt);
        var rcpt = Assert.Single(view.Recipients);
        Assert.Equal(RecipientStatus.Delivered, rcpt.Status);
        Assert.Equal(2, rcpt.Attempts);
        Assert.Single(await postfix.WaitForMailboxAsync("rcpt@flaky.test", 1, MailWait));
    }

    [Fact]
    public async Task Greylisting_451ThenAccepted_IsDeferredThenDelivered()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(o => o.Policy = PostfixPolicies.Greylist(TimeSpan.FromSeconds(1)), "rcpt@grey.test");
        await world.ServeAsync(MailWorld.MxZone("grey.test", postfix.Address));
        var host = await HostAsync(world, ("Retry:Schedule", "00:00:02"));

        var receipt = await host.SubmitJsonAsync(Json("rcpt@grey.test"));
        await host.RunOnceAsync();
        var first = (await host.Status.GetViewAsync(receipt.MessageId, default))!.Recipients[0];
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        Assert.Equal(RecipientStatus.Deferred, first.Status);
        Assert.Equal(451, first.LastReplyCode);
        Assert.Equal("4.7.1", first.LastEnhancedCode);
        var rcpt = Assert.Single(view.Recipients);
        Assert.Equal(RecipientStatus.Delivered, rcpt.Status);
        Assert.Equal(2, rcpt.Attempts);
        Assert.Single(await postfix.WaitForMailboxAsync("rcpt@grey.test", 1, MailWait));
    }

    [Fact]
    public async Task OneRecipientRejected550_OtherDelivered_InOneTransaction_DsnNamesOnlyTheFailedOne()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(o => o.RejectRecipient("bad@split.test"), "good@split.test", "bad@split.test", MailWorld.Sender);
        await world.ServeAsync(MailWorld.SenderZone(postfix));
        await world.ServeAsync(MailWorld.MxZone("split.test", postfix.Address));
        var host = await HostAsync(world);

        var receipt = await host.SubmitJsonAsync(Json("good@split.test", "bad@split.test"));
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        await host.RunUntilAsync(() => Task.FromResult(postfix.ReadMailbox(MailWorld.Sender).Count > 0));

        Assert.Equal(MessageStatus.PartiallyDelivered, view.Status);
        var good = view.Recipients.Single(r => r.Address == "good@split.test");
        var bad = view.Recipients.Single(r => r.Address == "bad@split.test");
        Assert.Equal(RecipientStatus.Delivered, good.Status);
        Assert.Equal(RecipientStatus.Failed, bad.Status);
        Assert.Equal(550, bad.LastReplyCode);
        Assert.Equal("5.1.1", bad.LastEnhancedCode);
        Assert.Single(await postfix.WaitForMailboxAsync("good@split.test", 1, MailWait));
        Assert.Empty(postfix.ReadMailbox("bad@split.test"));
        Assert.Contains("to=<bad@split.test>", postfix.ReadLog(), StringComparison.Ordinal);
        var dsn = Dsn.From(Assert.Single(postfix.ReadMailbox(MailWorld.Sender)));
        var group = Assert.Single(dsn.Recipients);
        Assert.Equal("rfc822; bad@split.test", group["Final-Recipient"]);
        Assert.Equal("5.1.1", group["Status"]);
        Assert.StartsWith("smtp; 550 5.1.1", group["Diagnostic-Code"], StringComparison.Ordinal);
        Assert.Equal("dns; mx.split.test", group["Remote-MTA"]);
    }

    [Fact]
    public async Task ConnectionDroppedAtTheDataCommand_BeforeAnyBody_IsDeferredThenDeliveredExactlyOnce()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions { DisconnectAfter = ["DATA"] });
        await world.ServeAsync(MailWorld.MxZone("drop.test", sink.Address));
        var host = await HostAsync(world, ("Retry:Schedule", "00:00:02"));

        var receipt = await host.SubmitJsonAsync(Json("rcpt@drop.test"));
        await host.RunOnceAsync();
        var first = (await host.Status.GetViewAsync(receipt.MessageId, default))!.Recipients[0];
        await sink.ReconfigureAsync(new SmtpSinkOptions());
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        Assert.Equal(RecipientStatus.Deferred, first.Status);
        Assert.Equal("4.4.2", first.LastEnhancedCode);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);
        var received = sink.ReadAcceptedMessages().Where(m => m.Recipients.Contains("rcpt@drop.test")).ToList();
        Assert.Single(received);
    }

    [Fact]
    public async Task ConnectionDroppedAfterTheFinalDot_BeforeTheReply_IsDeferredThenSentAgain()
    {
        // The whole body went over the wire and the peer hung up before answering it: the outcome is unknown, so the
        // recipient is deferred (4.4.2) and the retry sends the message again (RFC 5321 §6.1: a duplicate is the price
        // of never losing mail).
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions { DisconnectAfter = ["."] });
        await world.ServeAsync(MailWorld.MxZone("dot.test", sink.Address));
        var host = await HostAsync(world, ("Retry:Schedule", "00:00:02"));
        using var unconfirmed = new MetricCollector<long>(host.Get<IMeterFactory>(), MailMetrics.MeterName, MailMetrics.DeliveryUnconfirmed);

        var receipt = await host.SubmitJsonAsync(Json("rcpt@dot.test"));
        await host.RunOnceAsync();
        var first = (await host.Status.GetViewAsync(receipt.MessageId, default))!.Recipients[0];
        Assert.Equal(1, unconfirmed.GetMeasurementSnapshot().Sum(m => m.Value));
        var bodiesBeforeTheRetry = sink.ReadMessages().Count(m => m.Recipients.Contains("rcpt@dot.test") && Encoding.UTF8.GetString(m.Bytes).Contains("Hello from the scenario.", StringComparison.Ordinal));
        await sink.ReconfigureAsync(new SmtpSinkOptions());
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        Assert.Equal(RecipientStatus.Deferred, first.Status);
        Assert.Equal("4.4.2", first.LastEnhancedCode);
        Assert.Equal(1, bodiesBeforeTheRetry);
        var rcpt = Assert.Single(view.Recipients);
        Assert.Equal(RecipientStatus.Delivered, rcpt.Status);
        Assert.Equal(2, rcpt.Attempts);
        Assert.Single(sink.ReadAcceptedMessages(), m => m.Recipients.Contains("rcpt@dot.test"));
    }

    [Fact]
    public async Task StartTlsWithSelfSignedCertificate_IsUsedAndRecorded()
    {
        await using var world = await MailWorld.CreateAsync();
        var folder = Directory.CreateTempSubdirectory("smtpfunctions-tls-").FullName;
        using var certificate = TestCertificate.Create(folder, "mx.tls.test");
        var postfix = await world.StartPostfixAsync(o => o.TlsCertificate = certificate, "rcpt@tls.test");
        await world.ServeAsync(MailWorld.MxZone("tls.test", postfix.Address));
        var host = await HostAsync(world);

        var receipt = await host.SubmitJsonAsync(Json("rcpt@tls.test"));
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        var rcpt = Assert.Single(view.Recipients);
        Assert.Equal(RecipientStatus.Delivered, rcpt.Status);
        Assert.True(rcpt.Tls);
        Assert.Contains("Tls", rcpt.TlsDetails, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("certificate not verified", rcpt.TlsDetails, StringComparison.Ordinal);
        Assert.Contains("UntrustedRoot", rcpt.TlsDetails, StringComparison.Ordinal);
        var stored = Assert.Single(await postfix.WaitForMailboxAsync("rcpt@tls.test", 1, MailWait));
        Assert.Contains("with ESMTPS", stored.ToMimeMessage().Headers[MimeKit.HeaderId.Received], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SmartHost_WithRequiredTls_CarriesMailForDomainsWithoutDns()
    {
        await using var world = await MailWorld.CreateAsync();
        var folder = Directory.CreateTempSubdirectory("smtpfunctions-tls-").FullName;
        using var certificate = TestCertificate.Create(folder, "relay.provider.test");
        var relay = await world.StartPostfixAsync(o => o.TlsCertificate = certificate, "rcpt@elsewhere.test");
        var host = await HostAsync(world,
            ("Delivery:SmartHost:Host", relay.Address.ToString()),
            ("Delivery:SmartHost:Port", relay.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Delivery:SmartHost:RequireTls", "true"),
            ("Delivery:SmartHost:AcceptInvalidCertificate", "true"));

        var receipt = await host.SubmitJsonAsync(Json("rcpt@elsewhere.test"));
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        var rcpt = Assert.Single(view.Recipients);
        Assert.Equal(RecipientStatus.Delivered, rcpt.Status);
        Assert.True(rcpt.Tls);
        Assert.StartsWith(relay.Address.ToString(), rcpt.MxHost, StringComparison.Ordinal);
        Assert.Single(await relay.WaitForMailboxAsync("rcpt@elsewhere.test", 1, MailWait));
    }

    [Fact]
    public async Task RequireTls_AgainstAPeerWithoutStartTls_IsNotSent()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(null, "rcpt@plain.test");
        await world.ServeAsync(MailWorld.MxZone("plain.test", postfix.Address));
        var host = await HostAsync(world, ("Delivery:RequireTlsDomains", "plain.test"), ("Retry:Schedule", "00:05:00"));

        var receipt = await host.SubmitJsonAsync(Json("rcpt@plain.test"));
        await host.RunOnceAsync();

        var rcpt = Assert.Single((await host.Status.GetViewAsync(receipt.MessageId, default))!.Recipients);
        Assert.Equal(RecipientStatus.Deferred, rcpt.Status);
        Assert.Equal("4.7.4", rcpt.LastEnhancedCode);
        // smtpd logs each session's command counts when it ends ("disconnect from … ehlo=1 quit=1 commands=2"): the
        // session must have ended without a MAIL command, so nothing can have been sent.
        await host.RunUntilAsync(() => Task.FromResult(DisconnectLines(postfix).Count > 0), MailWait);
        var session = Assert.Single(DisconnectLines(postfix));
        Assert.Contains(" ehlo=", session, StringComparison.Ordinal);
        Assert.DoesNotContain(" mail=", session, StringComparison.Ordinal);
        Assert.DoesNotContain(" rcpt=", session, StringComparison.Ordinal);
        Assert.Empty(postfix.ReadMailbox("rcpt@plain.test"));
    }

    [Fact]
    public async Task SmtpUtf8Message_ToAPeerWithoutSmtpUtf8_FailsWith567()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(o => o.SmtpUtf8 = false, "jörg@ascii.test");
        await world.ServeAsync(MailWorld.MxZone("ascii.test", postfix.Address));
        var host = await HostAsync(world);

        var receipt = await host.SubmitJsonAsync(Json("jörg@ascii.test"));
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        var rcpt = Assert.Single(view.Recipients);
        Assert.Equal(RecipientStatus.Failed, rcpt.Status);
        Assert.Equal("5.6.7", rcpt.LastEnhancedCode);
    }

    [Fact]
    public async Task GreetingOf421_MovesOnToTheNextMx()
    {
        await using var world = await MailWorld.CreateAsync();
        var busy = await world.StartSinkAsync(new SmtpSinkOptions { ServiceUnavailableAfter = ["CONNECT"] });
        var postfix = await world.StartPostfixAsync(null, "rcpt@busy.test");
        await world.ServeAsync(new DnsZone("busy.test")
            .Mx("busy.test", 10, "mx1.busy.test").A("mx1.busy.test", busy.Address)
            .Mx("busy.test", 20, "mx2.busy.test").A("mx2.busy.test", postfix.Address));
        var host = await HostAsync(world);

        var receipt = await host.SubmitJsonAsync(Json("rcpt@busy.test"));
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        Assert.StartsWith("mx2.busy.test[", Assert.Single(view.Recipients).MxHost, StringComparison.Ordinal);
        Assert.Single(await postfix.WaitForMailboxAsync("rcpt@busy.test", 1, MailWait));
        // mx1 was really tried first: it greeted with 421 and the relay moved on, in the same attempt.
        AssertTriedAndRefusedFirst(host, "mx1.busy.test[");
        Assert.Contains("421", host.LogEvents.First(e => e.EventId == PeerNotUsableEvent).Message, StringComparison.Ordinal);
        Assert.Equal(1, Assert.Single(view.Recipients).Attempts);
    }

    [Fact]
    public async Task DeferredPastTheQueueLifetime_FailsAsExpiredWithADsn()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(o => o.Policy = r => r.ProtocolState == "RCPT" && r.Recipient == "rcpt@slow.test" ? "450 4.2.0 Mailbox busy" : PostfixPolicies.Dunno,
            "rcpt@slow.test", MailWorld.Sender);
        await world.ServeAsync(MailWorld.SenderZone(postfix));
        await world.ServeAsync(MailWorld.MxZone("slow.test", postfix.Address));
        var host = await HostAsync(world, ("Retry:Schedule", "00:00:01"), ("Retry:QueueLifetime", "00:00:04"));

        var receipt = await host.SubmitJsonAsync(Json("rcpt@slow.test"));
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        await host.RunUntilAsync(() => Task.FromResult(postfix.ReadMailbox(MailWorld.Sender).Count > 0));

        var rcpt = Assert.Single(view.Recipients);
        Assert.Equal(RecipientStatus.Failed, rcpt.Status);
        Assert.True(rcpt.Attempts >= 2);
        Assert.Contains("delivery time expired", rcpt.LastResponse, StringComparison.Ordinal);
        Assert.Equal(450, rcpt.LastReplyCode);
        var group = Assert.Single(Dsn.From(Assert.Single(postfix.ReadMailbox(MailWorld.Sender))).Recipients);
        Assert.Equal("4.2.0", group["Status"]);
        Assert.Equal("failed", group["Action"]);
    }

    [Fact]
    public async Task DsnThatFails_IsNotBouncedAgain()
    {
        await using var world = await MailWorld.CreateAsync();
        await world.ServeAsync(new DnsZone("nomail.test").NullMx("nomail.test"));
        await world.ServeAsync(new DnsZone(MailWorld.SenderDomain).NullMx(MailWorld.SenderDomain));
        var host = await HostAsync(world);

        var receipt = await host.SubmitJsonAsync(Json("rcpt@nomail.test"));
        await host.RunUntilFinalAsync(receipt.MessageId);
        // The DSN was produced (one, for the original message) and is itself a message whose delivery fails for good.
        var bounces = host.LogEvents.Where(e => e.EventId == DsnQueuedEvent).ToList();
        var bounce = Assert.Single(bounces);
        Assert.Contains(receipt.MessageId, bounce.Message, StringComparison.Ordinal);
        var dsnId = bounce.Message.Split("queued as ", 2)[1].Split(' ', 2)[0];
        var dsn = await host.RunUntilFinalAsync(dsnId);
        for (var i = 0; i < 5 && await host.RunOnceAsync() > 0; i++)
        {
        }

        Assert.Null(dsn.Sender);
        Assert.Equal(RecipientStatus.Failed, Assert.Single(dsn.Recipients).Status);
        Assert.Equal(MailWorld.Sender, dsn.Recipients[0].Address);
        // Its failure bounced nothing: still only the one DSN, for the original message.
        Assert.Single(host.LogEvents, e => e.EventId == DsnQueuedEvent);
        Assert.Equal(0, await host.VisibleJobsAsync());
        Assert.Empty(host.HandlerFaults);
    }

    [Fact]
    public async Task MessagesInABurst_ReuseOneSession()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("burst.test", sink.Address));
        var host = await HostAsync(world);
        using var sessions = new MetricCollector<long>(host.Get<IMeterFactory>(), MailMetrics.MeterName, MailMetrics.SmtpSessions);

        var first = await host.SubmitJsonAsync(Json("a@burst.test"));
        await host.RunUntilFinalAsync(first.MessageId);
        var second = await host.SubmitJsonAsync(Json("b@burst.test"));
        await host.RunUntilFinalAsync(second.MessageId);

        Assert.Equal(2, (await sink.WaitForMessagesAsync(2, timeout: MailWait)).Count);
        var opened = sessions.GetMeasurementSnapshot();
        Assert.Equal(1, opened.Count(m => m.Tags["reused"] is false));
        Assert.Equal(1, opened.Count(m => m.Tags["reused"] is true));
    }

    [Fact]
    public async Task StoredMessage_ArrivesByteForByte_HeaderForHeader_AndWithoutBcc()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(null, "rcpt@exact.test", "hidden@exact.test");
        await world.ServeAsync(MailWorld.MxZone("exact.test", postfix.Address));
        var host = await HostAsync(world);
        var submitted = Encoding.UTF8.GetBytes(string.Join("\r\n",
            "From: Sender  <sender@sender.test>",
            "To: rcpt@exact.test",
            "Bcc: hidden@exact.test",
            "Subject:   spaced   =?utf-8?q?caf=C3=A9?=  ",
            "X-Folded: first part",
            "\tsecond part",
            "Message-ID: <exact-1@sender.test>",
            "Date: Sat, 28 Nov 2026 12:00:00 +0000",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"b1\"",
            "",
            "preamble",
            "--b1",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "Gr=C3=BC=C3=9Fe",
            ".leading dot",
            "trailing spaces   ",
            "--b1",
            "Content-Type: application/octet-stream",
            "Content-Transfer-Encoding: base64",
            "",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",
            "--b1--",
            "epilogue",
            ""));

        var receipt = await host.SubmitMimeAsync(submitted);
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        Assert.All(view.Recipients, r => Assert.Equal(RecipientStatus.Delivered, r.Status));
        var (message, _) = await host.Status.GetAsync(receipt.MessageId, default);
        var stored = (await host.Get<SmtpFunctions.Core.Storage.MessageBlobs>().DownloadAsync(message!.BlobName, default)).ToArray();
        foreach (var address in new[] { "rcpt@exact.test", "hidden@exact.test" })
        {
            var received = Assert.Single(await postfix.WaitForMailboxAsync(address, 1, MailWait));
            Assert.Equal(stored, received.OriginalBytes);
            var headers = received.ToOriginalMimeMessage().Headers;
            Assert.False(headers.Contains("Bcc"));
            var original = MimeKit.MimeMessage.Load(new MemoryStream(submitted)).Headers.Where(h => h.Field != "Bcc").ToList();
            foreach (var header in original)
            {
                Assert.Contains(headers, h => h.Field == header.Field && h.RawValue.SequenceEqual(header.RawValue));
            }

            var body = submitted.AsSpan(submitted.AsSpan().IndexOf("\r\n\r\n"u8));
            Assert.True(received.OriginalBytes.AsSpan().EndsWith(body), "the body differs from what was submitted");
        }
    }
}
