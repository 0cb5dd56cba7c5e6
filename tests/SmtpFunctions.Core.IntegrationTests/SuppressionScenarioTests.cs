using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Suppression;
using SmtpFunctions.Core.Tenants;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Dns;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// The suppression list against real peers: Postfix refuses an unknown user with 550 5.1.1, delivery suppresses the
/// address, later mail to it is not sent, and lifting it through the HTTP API lets mail through again.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class SuppressionScenarioTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string Gone = "gone@supp.test";
    private const string Good = "good@supp.test";
    private static readonly TimeSpan MailWait = TimeSpan.FromSeconds(30);

    // Each instance remembers lookups this long; the API host lifts on another instance, so the delivery host sees the
    // lift once its cached answer expires (as docs/architecture.md says).
    private static readonly TimeSpan CacheTtl = TimeSpan.FromSeconds(1);

    private static string Json(params string[] to) =>
        $$"""{"from":"{{MailWorld.Sender}}","to":[{{string.Join(",", to.Select(t => $"\"{t}\""))}}],"subject":"Suppression","text":"Hello."}""";

    [Fact]
    public async Task UnknownUser550_Suppresses_NextSubmissionIsNotSent_DeleteLiftsIt_AndMailFlowsAgain()
    {
        await using var world = await MailWorld.CreateAsync();
        var mailboxCreated = false;
        var postfix = await world.StartPostfixAsync(
            o => o.Policy = r => r.ProtocolState == "RCPT" && r.Recipient == Gone && !Volatile.Read(ref mailboxCreated) ? "550 5.1.1 User unknown" : PostfixPolicies.Dunno,
            Good, Gone, MailWorld.Sender);
        await world.ServeAsync(MailWorld.SenderZone(postfix));
        await world.ServeAsync(MailWorld.MxZone("supp.test", postfix.Address));
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, ("Suppression:CacheTtl", CacheTtl.ToString()));
        await using var api = await ApiHost.StartAsync(azurite.Azurite.ConnectionString);
        using var suppressed = new MetricCollector<long>(host.Get<IMeterFactory>(), MailMetrics.MeterName, MailMetrics.RecipientsSuppressed);

        // 1. Postfix says 550 5.1.1: the recipient fails (with its DSN) and is suppressed; the other one is delivered.
        var first = await host.SubmitJsonAsync(Json(Gone, Good));
        var failed = await host.RunUntilFinalAsync(first.MessageId);
        await host.RunUntilAsync(() => Task.FromResult(postfix.ReadMailbox(MailWorld.Sender).Count > 0));
        Assert.Equal(RecipientStatus.Failed, failed.Recipients.Single(r => r.Address == Gone).Status);
        Assert.Equal("5.1.1", failed.Recipients.Single(r => r.Address == Gone).LastEnhancedCode);
        using (var entry = await api.Client.GetAsync(ApiHost.SuppressionPath(Gone)))
        {
            Assert.Equal(HttpStatusCode.OK, entry.StatusCode);
            var body = await entry.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(Gone, body.GetProperty("address").GetString());
            Assert.Equal("supp.test", body.GetProperty("domain").GetString());
            Assert.Equal(550, body.GetProperty("reason").GetProperty("replyCode").GetInt32());
            Assert.Equal("5.1.1", body.GetProperty("reason").GetProperty("enhancedCode").GetString());
            Assert.Contains("User unknown", body.GetProperty("reason").GetProperty("text").GetString(), StringComparison.Ordinal);
            Assert.Equal(first.MessageId, body.GetProperty("messageId").GetString());
            Assert.StartsWith("mx.supp.test[", body.GetProperty("mxHost").GetString(), StringComparison.Ordinal);
        }

        var rcptsToGone = Mentions(postfix, Gone);
        Assert.Contains("550 5.1.1", postfix.ReadLog(), StringComparison.Ordinal);
        Assert.True(rcptsToGone > 0);

        // 2. The next submission names it suppressed at once, queues nothing for it and sends it nothing, no DSN.
        var second = await host.SubmitJsonAsync(Json("GONE@Supp.Test"));
        Assert.Equal(RecipientStatus.Suppressed, Assert.Single(second.Recipients).Status);
        Assert.Equal(0, await host.VisibleJobsAsync());
        await host.RunOnceAsync();
        var view = await host.Status.GetViewAsync(second.MessageId, default);
        var rcpt = Assert.Single(view!.Recipients);
        Assert.Equal(RecipientStatus.Suppressed, rcpt.Status);
        Assert.Contains("550 5.1.1", rcpt.LastResponse, StringComparison.Ordinal);
        Assert.Equal(0, rcpt.Attempts);
        Assert.Equal(MessageStatus.Failed, view.Status);
        Assert.Equal(rcptsToGone, Mentions(postfix, Gone));
        Assert.Single(postfix.ReadMailbox(MailWorld.Sender));
        Assert.Equal("submission", Assert.Single(suppressed.GetMeasurementSnapshot()).Tags["stage"]);

        // 3. The user's mailbox exists again; DELETE through the HTTP API lifts the entry, and mail flows.
        Volatile.Write(ref mailboxCreated, true);
        using (var lift = await api.Client.DeleteAsync(ApiHost.SuppressionPath(Gone)))
        {
            Assert.Equal(HttpStatusCode.NoContent, lift.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync(ApiHost.SuppressionPath(Gone))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.DeleteAsync(ApiHost.SuppressionPath(Gone))).StatusCode);
        await Task.Delay(CacheTtl + TimeSpan.FromMilliseconds(200));
        var third = await host.SubmitJsonAsync(Json(Gone));
        Assert.Equal(RecipientStatus.Queued, Assert.Single(third.Recipients).Status);
        var delivered = await host.RunUntilFinalAsync(third.MessageId);

        Assert.Equal(RecipientStatus.Delivered, Assert.Single(delivered.Recipients).Status);
        Assert.Single(await postfix.WaitForMailboxAsync(Gone, 1, MailWait));
        Assert.Single(postfix.ReadMailbox(MailWorld.Sender));
        Assert.Empty(host.HandlerFaults);
    }

    [Fact]
    public async Task QueuedJob_WhoseRecipientIsSuppressedMeanwhile_SkipsIt_WithoutSendingOrBouncing()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(null, "late@late.test", "kept@late.test", MailWorld.Sender);
        await world.ServeAsync(MailWorld.SenderZone(postfix));
        await world.ServeAsync(MailWorld.MxZone("late.test", postfix.Address));
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output);
        using var attempts = new MetricCollector<long>(host.Get<IMeterFactory>(), MailMetrics.MeterName, MailMetrics.DeliveryAttempts);

        var receipt = await host.SubmitJsonAsync(Json("late@late.test", "kept@late.test"));
        Assert.All(receipt.Recipients, r => Assert.Equal(RecipientStatus.Queued, r.Status));
        // Another message's delivery (on this instance) fails for good meanwhile.
        await host.Get<SuppressionList>().AddAsync(TenantIds.Default, "late@late.test", FailureClassifier.FromReply(550, "5.1.1 User unknown"), "01m8j01vmaatx2gphqhz6sc4f1", null, default);
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        Assert.Equal(RecipientStatus.Suppressed, view.Recipients.Single(r => r.Address == "late@late.test").Status);
        Assert.Equal(RecipientStatus.Delivered, view.Recipients.Single(r => r.Address == "kept@late.test").Status);
        Assert.Equal(MessageStatus.PartiallyDelivered, view.Status);
        Assert.Single(await postfix.WaitForMailboxAsync("kept@late.test", 1, MailWait));
        Assert.Equal(0, Mentions(postfix, "late@late.test"));
        Assert.Empty(postfix.ReadMailbox("late@late.test"));
        Assert.Empty(postfix.ReadMailbox(MailWorld.Sender));
        Assert.Contains(attempts.GetMeasurementSnapshot(), m => (string?)m.Tags["outcome"] == "suppressed");
    }

    [Fact]
    public async Task PolicyRejection_AndFullMailbox_DoNotSuppress()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(
            o => o.Policy = r => r.ProtocolState != "RCPT" ? PostfixPolicies.Dunno
                : r.Recipient == "policy@strict.test" ? "550 5.7.1 Message rejected under policy"
                // 550, not 552: a 552 to RCPT is read as 452, transient (RFC 5321 §4.5.3.1.10), and would not fail at all.
                : r.Recipient == "full@strict.test" ? "550 5.2.2 Mailbox full"
                : PostfixPolicies.Dunno,
            "policy@strict.test", "full@strict.test", MailWorld.Sender);
        await world.ServeAsync(MailWorld.SenderZone(postfix));
        await world.ServeAsync(MailWorld.MxZone("strict.test", postfix.Address));
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output);

        var receipt = await host.SubmitJsonAsync(Json("policy@strict.test", "full@strict.test"));
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        Assert.All(view.Recipients, r => Assert.Equal(RecipientStatus.Failed, r.Status));
        Assert.Empty(await host.Get<SuppressionList>().FindAsync(TenantIds.Default, ["policy@strict.test", "full@strict.test"], default));
        var again = await host.SubmitJsonAsync(Json("policy@strict.test", "full@strict.test"));
        Assert.All(again.Recipients, r => Assert.Equal(RecipientStatus.Queued, r.Status));
    }

    [Fact]
    public async Task ATenantsPermanentFailure_IsSuppressedOnItsOwnList_AndItsDsnIsCheckedAgainstThatList()
    {
        const string tenant = "supp-tenant";
        const string sender = "sender@tenant-supp.test";
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(
            o => o.Policy = r => r.ProtocolState == "RCPT" && r.Recipient.StartsWith("gone", StringComparison.Ordinal) ? "550 5.1.1 User unknown" : PostfixPolicies.Dunno,
            "gone@tsupp.test", "gone2@tsupp.test", sender);
        await world.ServeAsync(MailWorld.MxZone("tenant-supp.test", postfix.Address));
        await world.ServeAsync(MailWorld.MxZone("tsupp.test", postfix.Address));
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output,
            ("Domains:TrustRegistrationsWithoutDns", "true"), ("Domains:SecretStorePath", Path.Combine(Path.GetTempPath(), "supp-tenant-" + Guid.NewGuid().ToString("N"))));
        var registered = await host.Get<SmtpFunctions.Core.Domains.DomainRegistrar>().RegisterAsync(tenant, "tenant-supp.test", default);
        Assert.True(registered.Domain is not null, registered.Problem);
        var store = host.Get<ISuppressionStore>();
        var list = host.Get<SuppressionList>();
        using var suppressed = new MetricCollector<long>(host.Get<IMeterFactory>(), MailMetrics.MeterName, MailMetrics.RecipientsSuppressed);
        string TenantJson(string to) => $$"""{"from":"{{sender}}","to":["{{to}}"],"subject":"Tenant suppression","text":"Hello."}""";

        // 1. The tenant's mail fails for good: the address goes on the tenant's list, not the default tenant's, and the DSN goes out.
        var first = await host.SubmitJsonAsync(TenantJson("gone@tsupp.test"), tenantId: tenant);
        Assert.Equal(RecipientStatus.Failed, Assert.Single((await host.RunUntilFinalAsync(first.MessageId)).Recipients).Status);
        await host.RunUntilAsync(() => Task.FromResult(postfix.ReadMailbox(sender).Count > 0));
        var entry = await store.GetAsync(SuppressionKey.ForEnvelope("gone@tsupp.test", tenant), default);
        Assert.Equal(first.MessageId, entry?.MessageId);
        Assert.Null(await store.GetAsync(SuppressionKey.ForEnvelope("gone@tsupp.test"), default));
        Assert.Empty(await list.FindAsync(TenantIds.Default, ["gone@tsupp.test"], default));
        Assert.Equal(RecipientStatus.Suppressed, Assert.Single((await host.SubmitJsonAsync(TenantJson("gone@tsupp.test"), tenantId: tenant)).Recipients).Status);

        // 2. The tenant suppresses its own sender: the DSN about its next failure, which the system submits, obeys the
        // tenant's list and is not sent.
        await list.AddManuallyAsync(SuppressionKey.ForEnvelope(sender, tenant), SuppressionSources.Api, "no bounces here", default);
        var second = await host.SubmitJsonAsync(TenantJson("gone2@tsupp.test"), tenantId: tenant);
        Assert.Equal(RecipientStatus.Failed, Assert.Single((await host.RunUntilFinalAsync(second.MessageId)).Recipients).Status);
        await host.RunUntilAsync(() => Task.FromResult(suppressed.GetMeasurementSnapshot().Sum(m => m.Value) >= 2));
        await host.RunOnceAsync();

        Assert.Single(postfix.ReadMailbox(sender));
        Assert.Empty(host.HandlerFaults);
    }

    // Log lines of Postfix naming the address (its RCPT refused, or a delivery to it): whether anything reached it.
    private static int Mentions(PostfixInstance postfix, string address) =>
        postfix.ReadLog().Split('\n').Count(line => line.Contains($"<{address}>", StringComparison.OrdinalIgnoreCase));
}
