using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Dns;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// Per-destination pacing against smtp-sink, which counts the sessions it sees: the cap holds across the concurrent jobs
/// of a batch, domains sharing an MX set share it, and a 421 holds the destination back without losing or doubling mail.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class PacingScenarioTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    // Five recipient domains, one provider: they are one destination.
    private static readonly string[] Domains = ["p1.test", "p2.test", "p3.test", "p4.test", "p5.test"];

    private static string Json(string to) =>
        $$"""{"from":"{{MailWorld.Sender}}","to":"{{to}}","subject":"Pacing","text":"Hello."}""";

    private static async Task ServeProviderAsync(MailWorld world, SmtpSink sink)
    {
        await world.ServeAsync(new DnsZone("provider.test").A("mx.provider.test", sink.Address));
        foreach (var domain in Domains)
        {
            await world.ServeAsync(new DnsZone(domain).Mx(domain, 10, "mx.provider.test."));
        }
    }

    [Fact]
    public async Task CapOfTwo_FiftyMessagesToOneDestination_ThePeerNeverSeesMoreThanTwoSessions_AndGetsEachOnce()
    {
        await using var world = await MailWorld.CreateAsync();
        // Each RCPT takes a second to answer, so sessions overlap for as long as pacing lets them.
        var sink = await world.StartSinkAsync(new SmtpSinkOptions { CommandDelays = new Dictionary<string, TimeSpan> { ["RCPT"] = TimeSpan.FromSeconds(1) } });
        await ServeProviderAsync(world, sink);
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output,
            ("Pacing:MaxConcurrentSessions", "2"), ("Pacing:SlotWaitTimeout", "00:00:02"), ("Pacing:DeferDelay", "00:00:01"));
        using var deferrals = new MetricCollector<long>(host.Get<IMeterFactory>(), MailMetrics.MeterName, MailMetrics.PacingDeferrals);

        var recipients = Enumerable.Range(0, 50).Select(i => $"r{i}@{Domains[i % Domains.Length]}").ToList();
        var receipts = new List<string>();
        foreach (var recipient in recipients)
        {
            receipts.Add((await host.SubmitJsonAsync(Json(recipient))).MessageId);
        }

        await host.RunUntilAsync(() => host.AllDeliveredAsync(receipts), TimeSpan.FromMinutes(4));
        await sink.WaitForIdleAsync();

        var sessions = sink.GetSessionStatistics();
        output.WriteLine($"smtp-sink: {sessions.Total} sessions, at most {sessions.MaxConcurrent} at once; {deferrals.GetMeasurementSnapshot().Count} jobs deferred for a slot");
        Assert.Equal(2, sessions.MaxConcurrent);
        var accepted = sink.ReadAcceptedMessages();
        Assert.Equal(50, accepted.Count);
        Assert.Equal(recipients.Order(), accepted.SelectMany(m => m.Recipients).Order());
        Assert.All(deferrals.GetMeasurementSnapshot(), m => Assert.Equal("concurrency", m.Tags["reason"]));
        Assert.NotEmpty(deferrals.GetMeasurementSnapshot());
        foreach (var id in receipts)
        {
            // A job put back for want of a slot is not a delivery attempt.
            Assert.Equal(1, Assert.Single((await host.Status.GetViewAsync(id, default))!.Recipients).Attempts);
        }

        Assert.Empty(host.HandlerFaults);
    }

    [Fact]
    public async Task Throttling421_BacksOffTheWholeDestination_ThenTheQueueDrains_NothingLostNothingTwice()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions { ServiceUnavailableAfter = ["MAIL"] });
        await ServeProviderAsync(world, sink);
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output,
            ("Pacing:MaxConcurrentSessions", "1"), ("Pacing:SlotWaitTimeout", "00:00:05"), ("Pacing:DeferDelay", "00:00:01"),
            ("Pacing:ThrottleBackoff", "00:00:03"), ("Retry:Schedule", "00:00:01"));
        using var deferrals = new MetricCollector<long>(host.Get<IMeterFactory>(), MailMetrics.MeterName, MailMetrics.PacingDeferrals);
        using var backoffs = new MetricCollector<long>(host.Get<IMeterFactory>(), MailMetrics.MeterName, MailMetrics.PacingBackoffs);

        var recipients = Enumerable.Range(0, 10).Select(i => $"t{i}@{Domains[i % Domains.Length]}").ToList();
        var receipts = new List<string>();
        foreach (var recipient in recipients)
        {
            receipts.Add((await host.SubmitJsonAsync(Json(recipient))).MessageId);
        }

        // One batch: the job that gets the slot first meets the 421; the rest find the destination backing off.
        await host.RunOnceAsync();
        var throttledRun = sink.GetSessionStatistics();
        var views = await Task.WhenAll(receipts.Select(id => host.Status.GetViewAsync(id, default)));
        var tried = views.Select(v => v!.Recipients[0]).Where(r => r.Attempts > 0).ToList();
        var throttled = Assert.Single(tried);
        Assert.Equal(RecipientStatus.Deferred, throttled.Status);
        Assert.Equal(421, throttled.LastReplyCode);
        Assert.Equal(1, throttledRun.Total);
        Assert.Single(backoffs.GetMeasurementSnapshot());
        Assert.Equal(9, deferrals.GetMeasurementSnapshot().Count(m => (string?)m.Tags["reason"] == "throttled"));
        Assert.All(views.Select(v => v!.Recipients[0]).Where(r => r.Attempts == 0), r => Assert.Equal(RecipientStatus.Queued, r.Status));
        // The throttled recipient's retry waits out the backoff, not just the retry schedule's second.
        Assert.True(throttled.NextAttemptAt >= throttled.UpdatedAt.AddSeconds(2.5), $"next attempt {throttled.NextAttemptAt:o} after {throttled.UpdatedAt:o}");

        await sink.ReconfigureAsync(new SmtpSinkOptions());
        await host.RunUntilAsync(() => host.AllDeliveredAsync(receipts), TimeSpan.FromMinutes(2));
        await sink.WaitForIdleAsync();

        var accepted = sink.ReadAcceptedMessages();
        Assert.Equal(10, accepted.Count);
        Assert.Equal(recipients.Order(), accepted.SelectMany(m => m.Recipients).Order());
        Assert.Empty(host.HandlerFaults);
        Assert.Equal(0, await host.VisibleJobsAsync());
    }
}
