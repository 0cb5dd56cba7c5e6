using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Sweeping;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// The poison queue is watched: a job moved to <c>outbound-poison</c> (as the queue trigger does after maxDequeueCount
/// failed runs) is counted and its recipients re-driven, a limited number of times, then failed for good with their DSN
/// requested. Against Azurite, BIND and smtp-sink.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class PoisonQueueTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static string Json(string to) =>
        $$"""{"from":"{{MailWorld.Sender}}","to":["{{to}}"],"subject":"Poison","text":"Handled at last."}""";

    private async Task<(MailWorld World, SmtpSink Sink, DeliveryHost Host, SweepDriver Sweep)> WorldAsync(string domain, params (string Key, string Value)[] settings)
    {
        var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone(domain, sink.Address));
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, [("Sweeper:PoisonRedriveDelay", "00:00:00"), .. settings]);
        var sweep = new SweepDriver(host);
        await sweep.ResetAsync();
        return (world, sink, host, sweep);
    }

    [Fact]
    public async Task PoisonedJob_IsCountedAndRedriven_AndThenDelivered()
    {
        var (world, sink, host, sweep) = await WorldAsync("poison.test");
        await using var _ = world;
        using var poisoned = new MetricCollector<long>(host.Get<IMeterFactory>(), MailMetrics.MeterName, MailMetrics.DeliveryPoisoned);
        var receipt = await host.SubmitJsonAsync(Json("rcpt@poison.test"));
        var started = DateTimeOffset.UtcNow;

        await sweep.PoisonJobAsync(receipt.MessageId);
        Assert.Equal([PoisonDisposition.Redriven], await sweep.HandlePoisonQueueAsync());

        var measured = Assert.Single(poisoned.GetMeasurementSnapshot());
        Assert.Equal(("deliver", 1L), ((string)measured.Tags["kind"]!, measured.Value));
        var row = Assert.Single((await host.Status.GetAsync(receipt.MessageId, default)).Recipients);
        Assert.Equal((RecipientStatus.Queued, 1, 1), (row.Status, row.Round, row.PoisonCount));
        Assert.Equal(1, Assert.Single(await sweep.JobsAsync(receipt.MessageId)).Round);

        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);
        Assert.Single(await sink.WaitForMessagesAsync(1));
        output.WriteLine($"[poisoned once] longest non-final: {(DateTimeOffset.UtcNow - started).TotalSeconds:F1} s (Sweeper:PoisonRedriveDelay 0 here, 5 min by default)");
    }

    [Fact]
    public async Task PoisonedJob_PastTheLimit_FailsForGood_WithItsDsnPendingAndABounceJob()
    {
        var (world, sink, host, sweep) = await WorldAsync("poison.test", ("Sweeper:MaxPoisonRedrives", "2"));
        await using var _ = world;
        var receipt = await host.SubmitJsonAsync(Json("rcpt@poison.test"));

        var dispositions = new List<PoisonDisposition>();
        for (var run = 0; run < 3; run++)
        {
            var job = await sweep.PoisonJobAsync(receipt.MessageId);
            Assert.Equal(run, job.Round);
            dispositions.AddRange(await sweep.HandlePoisonQueueAsync());
        }

        Assert.Equal([PoisonDisposition.Redriven, PoisonDisposition.Redriven, PoisonDisposition.Failed], dispositions);
        var row = Assert.Single((await host.Status.GetAsync(receipt.MessageId, default)).Recipients);
        Assert.Equal(RecipientStatus.Failed, row.Status);
        Assert.Equal("5.3.0 delivery failed repeatedly with an internal error", row.LastResponse);
        Assert.Equal("5.3.0", row.LastEnhancedCode);
        Assert.True(row.DsnPending);
        var bounce = Assert.Single(await sweep.JobsAsync(receipt.MessageId));
        Assert.Equal(DeliveryJob.BounceKind, bounce.Kind);
        Assert.Equal(MailWorld.Sender, bounce.Sender);
        Assert.Empty(sink.ReadAcceptedMessages());

    }

    [Fact]
    public async Task PoisonedJob_WhoseRecipientIsHeldByALiveLease_LeavesItToThatAttempt()
    {
        var (world, _, host, sweep) = await WorldAsync("poison.test");
        await using var __ = world;
        var receipt = await host.SubmitJsonAsync(Json("rcpt@poison.test"));
        var row = Assert.Single((await host.Status.GetAsync(receipt.MessageId, default)).Recipients);
        row.Status = RecipientStatus.Delivering;
        row.LeaseOwner = "running-attempt";
        row.LeaseUntil = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(10);
        await host.Status.UpdateRecipientAsync(row, row.ETag, default);

        await sweep.PoisonJobAsync(receipt.MessageId);
        Assert.Equal([PoisonDisposition.NothingPending], await sweep.HandlePoisonQueueAsync());

        var fresh = Assert.Single((await host.Status.GetAsync(receipt.MessageId, default)).Recipients);
        Assert.Equal((RecipientStatus.Delivering, "running-attempt", 0, 0), (fresh.Status, fresh.LeaseOwner, fresh.Round, fresh.PoisonCount));
        Assert.Empty(await sweep.JobsAsync());
    }

    [Fact]
    public async Task PoisonedVersionOneJob_OverLegacyRows_IsRedrivenAsVersionOne_AndDelivered()
    {
        var (world, sink, host, sweep) = await WorldAsync("poison.test");
        await using var _ = world;
        var id = "legacy" + Guid.NewGuid().ToString("N");
        const string token = "legacytoken";
        var blobName = Storage.MessageBlobs.NameFor(id, token);
        var mime = "From: sender@sender.test\r\nTo: rcpt@poison.test\r\nSubject: old\r\nMessage-ID: <old@sender.test>\r\n\r\nbody\r\n"u8.ToArray();
        await host.Get<Storage.MessageBlobs>().UploadAsync(blobName, mime, default);
        var now = DateTimeOffset.UtcNow;
        await host.Storage.Tables.GetTableClient(Storage.StorageNames.MessagesTable).SubmitTransactionAsync(
        [
            new(Azure.Data.Tables.TableTransactionActionType.Add, new MessageEntity
            {
                PartitionKey = id, RowKey = MessageEntity.LegacyRowKey, SubmittedAt = now, Sender = MailWorld.Sender, Source = "http-json",
                Size = mime.Length, BlobName = blobName, SubmissionToken = token, BodyHash = "hash", RecipientCount = 1,
            }),
            new(Azure.Data.Tables.TableTransactionActionType.Add, new RecipientEntity
            {
                PartitionKey = id, RowKey = RecipientEntity.LegacyRowKeyFor("rcpt@poison.test"), Address = "rcpt@poison.test", Domain = "poison.test",
                SubmissionToken = token, UpdatedAt = now,
            }),
        ]);
        await sweep.Poison.SendMessageAsync(Storage.OutboundQueue.Serialize(new DeliveryJob
        {
            Version = 1, MessageId = id, SubmissionToken = token, Domain = "poison.test", Recipients = ["rcpt@poison.test"],
            Sender = MailWorld.Sender, BlobName = blobName, Size = mime.Length, SubmittedAt = now,
        }));

        Assert.Equal([PoisonDisposition.Redriven], await sweep.HandlePoisonQueueAsync());

        Assert.Equal(1, Assert.Single(await sweep.JobsAsync(id)).Version);
        var view = await host.RunUntilFinalAsync(id);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);
        Assert.Single(await sink.WaitForMessagesAsync(1));
    }

    [Fact]
    public async Task PoisonedBounceJob_IsSentAgain_ThenAbandonedPastTheLimit()
    {
        var (world, _, host, sweep) = await WorldAsync("poison.test", ("Sweeper:MaxPoisonRedrives", "1"));
        await using var __ = world;
        var receipt = await host.SubmitJsonAsync(Json("rcpt@poison.test"));
        await sweep.LoseJobsAsync();
        var row = Assert.Single((await host.Status.GetAsync(receipt.MessageId, default)).Recipients);
        row.Status = RecipientStatus.Failed;
        row.DsnPending = true;
        await host.Status.UpdateRecipientAsync(row, row.ETag, default);
        var (message, _) = await host.Status.GetAsync(receipt.MessageId, default);
        await host.Get<Redriver>().RequestBounceAsync(message!, 0, DateTimeOffset.UtcNow, TimeSpan.Zero, default);

        await sweep.PoisonJobAsync(receipt.MessageId);
        Assert.Equal([PoisonDisposition.Redriven], await sweep.HandlePoisonQueueAsync());
        await sweep.PoisonJobAsync(receipt.MessageId);
        Assert.Equal([PoisonDisposition.DsnAbandoned], await sweep.HandlePoisonQueueAsync());

        var fresh = Assert.Single((await host.Status.GetAsync(receipt.MessageId, default)).Recipients);
        Assert.Equal((RecipientStatus.Failed, false), (fresh.Status, fresh.DsnPending));
        Assert.Empty(await sweep.JobsAsync());
    }

    [Fact]
    public async Task MalformedPoisonMessage_IsCountedAndDropped()
    {
        var (world, _, host, sweep) = await WorldAsync("poison.test");
        await using var __ = world;
        using var poisoned = new MetricCollector<long>(host.Get<IMeterFactory>(), MailMetrics.MeterName, MailMetrics.DeliveryPoisoned);

        await sweep.Poison.SendMessageAsync("this is not a delivery job");
        await sweep.Poison.SendMessageAsync("""{"id":"x"}""");

        Assert.Equal([PoisonDisposition.Malformed, PoisonDisposition.Malformed], await sweep.HandlePoisonQueueAsync());
        Assert.All(poisoned.GetMeasurementSnapshot(), m => Assert.Equal("malformed", m.Tags["kind"]));
        Assert.Equal(2, poisoned.GetMeasurementSnapshot().Count);
        Assert.Empty(await sweep.JobsAsync());
    }
}
