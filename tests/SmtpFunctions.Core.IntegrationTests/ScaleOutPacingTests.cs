using System.Diagnostics.Metrics;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Pacing;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Dns;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// Pacing:ShareAcrossInstances against Azurite: instances count each other by heartbeats in the <c>pacing</c> table and
/// split each limit, so two delivering instances together keep a destination within it.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class ScaleOutPacingTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Heartbeats_SplitTheLimitsAmongLiveInstances_SharesShrinkAtOnceAndGrowLate()
    {
        // Time is a FakeTimeProvider moved a heartbeat at a time, and each step every instance beats (as its timer does
        // on that tick) before anything is asserted: the test waits on beats, not on the clock of a busy machine.
        var storage = await CleanStorageAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var limits = new DestinationLimits(3, 30, null);
        const string destination = "mx:shared.example:25";
        await using var a = Shares(storage, time);
        await using var b = Shares(storage, time);
        var c = Shares(storage, time);
        // A crashed instance's row, last seen long ago: not counted.
        await storage.Tables.GetTableClient(StorageNames.PacingTable)
            .UpsertEntityAsync(new TableEntity("instances", "crashed") { ["LastSeen"] = time.GetUtcNow().AddMinutes(-5) });

        // Alone, A takes the whole limits at once; B and C join while A runs and take nothing for the grace time.
        Assert.Equal(limits, await a.ShareOfAsync(limits, destination, default));
        Assert.Equal(0, (await b.ShareOfAsync(limits, destination, default)).MaxConcurrentSessions);
        Assert.Equal(0, (await c.ShareOfAsync(limits, destination, default)).MaxConcurrentSessions);
        await a.BeatAsync(default);
        Assert.Equal(1, (await a.ShareOfAsync(limits, destination, default)).MaxConcurrentSessions);

        var shares = await DeliverThroughAsync(time, a.Grace + Heartbeat, limits, destination, a, b, c);
        Assert.All(new[] { a, b, c }, s => Assert.Equal(3, s.View.Count));
        Assert.Equal([0, 1, 2], new[] { a, b, c }.Select(s => s.View.Rank).Order());
        Assert.All(shares, s => Assert.Equal(1, s.MaxConcurrentSessions));
        Assert.All(shares, s => Assert.Equal(10.0, s.MaxMessagesPerMinute, 6));

        // C stops cleanly (its row goes at once): A and B see two instances, but grow only after the grace time.
        await c.DisposeAsync();
        await a.BeatAsync(default);
        await b.BeatAsync(default);
        Assert.Equal(2, a.View.Count);
        Assert.Equal(1, (await a.ShareOfAsync(limits, destination, default)).MaxConcurrentSessions);
        Assert.Equal(1, (await b.ShareOfAsync(limits, destination, default)).MaxConcurrentSessions);
        shares = await DeliverThroughAsync(time, a.Grace + Heartbeat, limits, destination, a, b);
        Assert.Equal(3, shares.Sum(s => s.MaxConcurrentSessions));
        Assert.Equal(30.0, shares.Sum(s => s.MaxMessagesPerMinute), 6);

        // B gets no more jobs: its own timer notices, after three heartbeats and the grace time without one, and it
        // leaves; A, still delivering, then has the whole limits again once the grace time has passed.
        var steps = 0;
        var bound = (int)Math.Ceiling((3 * Heartbeat + (2 * a.Grace)) / Heartbeat) + 3;
        while ((await a.ShareOfAsync(limits, destination, default)).MaxConcurrentSessions < 3 && steps++ < bound)
        {
            time.Advance(Heartbeat);
            await a.BeatAsync(default);
        }

        Assert.True(steps <= bound, $"A did not get the whole limits back within {bound} heartbeats");
        Assert.Equal(1, a.View.Count);
        Assert.Equal(limits, await a.ShareOfAsync(limits, destination, default));
    }

    [Fact]
    public async Task TwoInstances_CapOfTwoShared_ThePeerNeverSeesMoreThanTwoSessions_AndGetsEachMessageOnce()
    {
        await CleanStorageAsync();
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions { CommandDelays = new Dictionary<string, TimeSpan> { ["RCPT"] = TimeSpan.FromSeconds(1) } });
        await world.ServeAsync(new DnsZone("scale.test").Mx("scale.test", 10, "mx.scale.test").A("mx.scale.test", sink.Address));
        (string, string)[] settings =
        [
            ("Pacing:ShareAcrossInstances", "true"), ("Pacing:InstanceHeartbeat", "00:00:01"), ("Pacing:MaxConcurrentSessions", "2"),
            ("Pacing:SlotWaitTimeout", "00:00:02"), ("Pacing:DeferDelay", "00:00:01"), ("Delivery:SessionIdleTimeout", "00:00:02"),
        ];
        var first = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, settings);
        var second = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, settings);
        using var firstSessions = new MetricCollector<long>(first.Get<IMeterFactory>(), MailMetrics.MeterName, MailMetrics.SmtpSessions);
        using var secondSessions = new MetricCollector<long>(second.Get<IMeterFactory>(), MailMetrics.MeterName, MailMetrics.SmtpSessions);
        var recipients = Enumerable.Range(0, 30).Select(i => $"s{i}@scale.test").ToList();
        var ids = new List<string>();
        foreach (var recipient in recipients)
        {
            ids.Add((await first.SubmitJsonAsync($$"""{"from":"{{MailWorld.Sender}}","to":"{{recipient}}","subject":"Scale","text":"Hello."}""")).MessageId);
        }

        // Both instances start delivering at the same moment, each not yet knowing the other.
        await Task.WhenAll(
            first.RunUntilAsync(() => first.AllDeliveredAsync(ids), TimeSpan.FromMinutes(3)),
            second.RunUntilAsync(() => first.AllDeliveredAsync(ids), TimeSpan.FromMinutes(3)));
        await sink.WaitForIdleAsync();

        var statistics = sink.GetSessionStatistics();
        output.WriteLine($"smtp-sink: {statistics.Total} sessions, at most {statistics.MaxConcurrent} at once; " +
            $"opened by the first instance {firstSessions.GetMeasurementSnapshot().Count(m => m.Tags["reused"] is false)}, by the second {secondSessions.GetMeasurementSnapshot().Count(m => m.Tags["reused"] is false)}");
        Assert.InRange(statistics.MaxConcurrent, 1, 2);
        Assert.NotEmpty(firstSessions.GetMeasurementSnapshot());
        Assert.NotEmpty(secondSessions.GetMeasurementSnapshot());
        var accepted = sink.ReadAcceptedMessages();
        Assert.Equal(recipients.Order(), accepted.SelectMany(m => m.Recipients).Order());
        Assert.Empty(first.HandlerFaults);
        Assert.Empty(second.HandlerFaults);
    }

    private async Task<StorageAccount> CleanStorageAsync()
    {
        var storage = new StorageAccount(
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [StorageNames.Connection] = azurite.Azurite.ConnectionString }).Build(),
            Microsoft.Extensions.Options.Options.Create(new StorageOptions()));
        await storage.EnsureCreatedAsync();
        var table = storage.Tables.GetTableClient(StorageNames.PacingTable);
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }

        return storage;
    }

    // Heartbeat 1 s and idle sessions closed after 1 s: a grace time of 1 + 1.5 + 1 = 3.5 s.
    private static InstanceShares Shares(StorageAccount storage, TimeProvider time) =>
        new(storage, Microsoft.Extensions.Options.Options.Create(new PacingOptions { ShareAcrossInstances = true, InstanceHeartbeat = Heartbeat }),
            Microsoft.Extensions.Options.Options.Create(new DeliveryOptions { SessionIdleTimeout = TimeSpan.FromSeconds(1) }),
            time, NullLogger<InstanceShares>.Instance);

    // Moves time on a heartbeat at a time for the span; each step every instance is used (as delivery would) and beats,
    // which waits for any beat its timer started on that tick (beats of one instance run one at a time).
    private static async Task<List<DestinationLimits>> DeliverThroughAsync(
        FakeTimeProvider time, TimeSpan span, DestinationLimits limits, string destination, params InstanceShares[] instances)
    {
        for (var elapsed = TimeSpan.Zero; elapsed <= span; elapsed += Heartbeat)
        {
            time.Advance(Heartbeat);
            foreach (var instance in instances)
            {
                await instance.ShareOfAsync(limits, destination, default);
                await instance.BeatAsync(default);
            }
        }

        var shares = new List<DestinationLimits>();
        foreach (var instance in instances)
        {
            shares.Add(await instance.ShareOfAsync(limits, destination, default));
        }

        return shares;
    }
}
