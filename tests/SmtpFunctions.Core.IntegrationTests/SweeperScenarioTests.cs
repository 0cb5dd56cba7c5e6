using System.Globalization;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Sweeping;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// Nothing accepted is stranded: messages whose job was lost, whose attempt crashed, or whose retry never came are found
/// by the sweeper and delivered, against Azurite, BIND and smtp-sink. The sweeper is driven with a clock the test moves
/// (<see cref="FakeTimeProvider"/>) instead of waiting for minutes; delivery runs on real time.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class SweeperScenarioTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    // The defaults (Sweeper:FirstCheckDelay, Sweeper:OverdueGrace): the tests move the clock past them.
    private static readonly TimeSpan FirstCheck = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    private static string Json(string to) =>
        $$"""{"from":"{{MailWorld.Sender}}","to":["{{to}}"],"subject":"Sweep","text":"Stranded no more."}""";

    private async Task<(MailWorld World, SmtpSink Sink, DeliveryHost Host, SweepDriver Sweep)> WorldAsync(string domain, SmtpSinkOptions? sink = null)
    {
        var world = await MailWorld.CreateAsync();
        var peer = await world.StartSinkAsync(sink ?? new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone(domain, peer.Address));
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output);
        var sweep = new SweepDriver(host);
        await sweep.ResetAsync();
        return (world, peer, host, sweep);
    }

    [Fact]
    public async Task EnqueueFailingAfterTheCommit_IsAccepted_Counted_AndRedrivenByTheSweeper()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("enqueue.test", sink.Address));
        var queueDown = new QueueSendFailurePolicy();
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output,
            services => services.AddSingleton<Azure.Core.Pipeline.HttpPipelinePolicy>(queueDown), ("Storage:MaxRetries", "0"));
        var sweep = new SweepDriver(host);
        await sweep.ResetAsync();
        using var left = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(
            host.Get<System.Diagnostics.Metrics.IMeterFactory>(), SmtpFunctions.Core.Telemetry.MailMetrics.MeterName, SmtpFunctions.Core.Telemetry.MailMetrics.JobsLeftToSweeper);

        // The commit lands, the job does not: the message is accepted all the same (a 503 would make a client without an
        // Idempotency-Key send it twice), and counted as left to the sweeper.
        queueDown.Failing = true;
        var receipt = await host.SubmitJsonAsync(Json("rcpt@enqueue.test"));
        queueDown.Failing = false;
        var (message, _) = await host.Status.GetAsync(receipt.MessageId, default);
        Assert.NotNull(message);
        Assert.True(queueDown.Failed > 0);
        Assert.Equal(1, Assert.Single(left.GetMeasurementSnapshot()).Value);
        Assert.Empty(await sweep.JobsAsync(receipt.MessageId));

        var swept = await sweep.SweepAsync(message!.SubmittedAt + FirstCheck + TimeSpan.FromMinutes(1));
        Assert.Equal(1, swept.Redriven);
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);
        Assert.Single(await sink.WaitForMessagesAsync(1));
    }

    [Fact]
    public async Task LostJob_IsRedrivenByTheSweeper_AndDelivered()
    {
        var (world, sink, host, sweep) = await WorldAsync("lost.test");
        await using var _ = world;
        var receipt = await host.SubmitJsonAsync(Json("rcpt@lost.test"));
        var (message, _) = await host.Status.GetAsync(receipt.MessageId, default);
        await sweep.LoseJobsAsync();
        var clock = new FakeTimeProvider(message!.SubmittedAt);

        // Before its first check the message is not looked at at all.
        clock.Advance(FirstCheck - TimeSpan.FromMinutes(1));
        Assert.Equal(0, (await sweep.SweepAsync(clock.GetUtcNow())).Examined);

        // At its first check it is still queued, its job 10 minutes late: overdue by the grace.
        clock.Advance(TimeSpan.FromMinutes(1));
        var redriveAt = clock.GetUtcNow();
        var swept = await sweep.SweepAsync(redriveAt);
        Assert.Equal(1, swept.Redriven);
        var job = Assert.Single(await sweep.JobsAsync(receipt.MessageId));
        Assert.Equal(1, job.Round);
        Assert.Equal(["rcpt@lost.test"], job.Recipients);
        Assert.Equal(message.BlobName, job.BlobName);
        Assert.Equal(message.SubmittedAt, job.SubmittedAt);

        var started = DateTimeOffset.UtcNow;
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        var rcpt = Assert.Single(view.Recipients);
        Assert.Equal(RecipientStatus.Delivered, rcpt.Status);
        Assert.Single(await sink.WaitForMessagesAsync(1));

        // The next look finds it final and files it for the end of its retention.
        clock.Advance(Grace);
        Assert.Equal(1, (await sweep.SweepAsync(clock.GetUtcNow())).Finished);
        Assert.True(Assert.Single(await sweep.IndexRowsAsync(receipt.MessageId)).Retention);
        PrintNonFinal("lost job", redriveAt - message.SubmittedAt, DateTimeOffset.UtcNow - started);
    }

    [Fact]
    public async Task LapsedLease_OfACrashedWorker_IsTakenOver_AndDeliveredOnce()
    {
        var (world, sink, host, sweep) = await WorldAsync("crash.test");
        await using var _ = world;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var receipt = await host.SubmitJsonAsync(Json("rcpt@crash.test"));
        await sweep.LoseJobsAsync();

        // A worker claimed the recipient with a one-minute lease and died (its queue message is gone too).
        var row = Assert.Single((await host.Status.GetAsync(receipt.MessageId, default)).Recipients);
        row.Status = RecipientStatus.Delivering;
        row.LeaseOwner = "crashed-attempt";
        row.LeaseUntil = clock.GetUtcNow() + TimeSpan.FromMinutes(1);
        row.UpdatedAt = clock.GetUtcNow();
        await host.Status.UpdateRecipientAsync(row, row.ETag, default);

        clock.Advance(FirstCheck + TimeSpan.FromMinutes(2));
        var redriveAt = clock.GetUtcNow();
        Assert.Equal(1, (await sweep.SweepAsync(redriveAt)).Redriven);
        var fresh = Assert.Single((await host.Status.GetAsync(receipt.MessageId, default)).Recipients);
        Assert.Equal((RecipientStatus.Queued, 1, null, null), (fresh.Status, fresh.Round, fresh.LeaseOwner, fresh.LeaseUntil));

        var started = DateTimeOffset.UtcNow;
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);
        Assert.Equal(0, await host.RunOnceAsync());
        Assert.Single(await sink.WaitForMessagesAsync(1));
        Assert.Single(sink.ReadAcceptedMessages());
        PrintNonFinal("crashed worker", redriveAt - view.SubmittedAt, DateTimeOffset.UtcNow - started);
    }

    [Fact]
    public async Task LiveLease_IsLeftToItsAttempt_AndLookedAtAgainAfterItLapses()
    {
        var (world, _, host, sweep) = await WorldAsync("busy.test");
        await using var __ = world;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var receipt = await host.SubmitJsonAsync(Json("rcpt@busy.test"));
        await sweep.LoseJobsAsync();
        var row = Assert.Single((await host.Status.GetAsync(receipt.MessageId, default)).Recipients);
        row.Status = RecipientStatus.Delivering;
        row.LeaseOwner = "slow-attempt";
        row.LeaseUntil = clock.GetUtcNow() + TimeSpan.FromHours(1);
        await host.Status.UpdateRecipientAsync(row, row.ETag, default);

        clock.Advance(FirstCheck + Grace + TimeSpan.FromMinutes(1));
        var swept = await sweep.SweepAsync(clock.GetUtcNow());

        Assert.Equal((1, 0, 1), (swept.Examined, swept.Redriven, swept.Moved));
        Assert.Empty(await sweep.JobsAsync());
        var fresh = Assert.Single((await host.Status.GetAsync(receipt.MessageId, default)).Recipients);
        Assert.Equal(("slow-attempt", 0), (fresh.LeaseOwner, fresh.Round));
        Assert.Equal(row.LeaseUntil + Grace, Assert.Single(await sweep.IndexRowsAsync(receipt.MessageId)).DueAt);
    }

    [Fact]
    public async Task DeferredRecipient_WhoseRetryJobWasLost_IsRedrivenOnceOverdue_AndDelivered()
    {
        var (world, sink, host, sweep) = await WorldAsync("later.test", new SmtpSinkOptions { SoftReject = ["RCPT"] });
        await using var _ = world;
        var receipt = await host.SubmitJsonAsync(Json("rcpt@later.test"));
        await host.RunUntilAsync(async () =>
            Assert.Single((await host.Status.GetAsync(receipt.MessageId, default)).Recipients).Status == RecipientStatus.Deferred);
        await sweep.LoseJobsAsync();
        var deferred = Assert.Single((await host.Status.GetAsync(receipt.MessageId, default)).Recipients);
        var (message, _) = await host.Status.GetAsync(receipt.MessageId, default);
        var clock = new FakeTimeProvider(message!.SubmittedAt);
        await sink.ReconfigureAsync(new SmtpSinkOptions());

        // At its first check the retry is late by less than the grace: left alone, looked at again when it will be.
        clock.Advance(FirstCheck);
        var early = await sweep.SweepAsync(clock.GetUtcNow());
        Assert.Equal((1, 0, 1), (early.Examined, early.Redriven, early.Moved));
        Assert.Empty(await sweep.JobsAsync());
        Assert.Equal(deferred.NextAttemptAt + Grace, Assert.Single(await sweep.IndexRowsAsync(receipt.MessageId)).DueAt);

        clock.SetUtcNow(deferred.NextAttemptAt!.Value + Grace);
        var swept = await sweep.SweepAsync(clock.GetUtcNow());

        Assert.Equal(1, swept.Redriven);
        var job = Assert.Single(await sweep.JobsAsync(receipt.MessageId));
        Assert.Equal(deferred.Round + 1, job.Round);
        var started = DateTimeOffset.UtcNow;
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        var rcpt = Assert.Single(view.Recipients);
        Assert.Equal(RecipientStatus.Delivered, rcpt.Status);
        Assert.Equal(2, rcpt.Attempts);
        Assert.Single(await sink.WaitForMessagesAsync(1));
        PrintNonFinal("lost retry", clock.GetUtcNow() - view.SubmittedAt, DateTimeOffset.UtcNow - started);
    }

    [Fact]
    public async Task TwoSweepers_RacingOnTheSameDueRows_EnqueueOneJobPerMessage()
    {
        var (world, _, host, sweep) = await WorldAsync("race.test");
        await using var __ = world;
        await using var other = await DeliveryHost.StartAsync(azurite.Azurite.ConnectionString, output, new Dictionary<string, string?>());
        var rival = new SweepDriver(other);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var ids = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            ids.Add((await host.SubmitJsonAsync(Json($"rcpt{i}@race.test"))).MessageId);
        }

        await sweep.LoseJobsAsync();
        clock.Advance(FirstCheck + Grace + TimeSpan.FromMinutes(1));

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var both = await Task.WhenAll(sweep.SweepAsync(clock.GetUtcNow()), rival.SweepAsync(clock.GetUtcNow()));
        stopwatch.Stop();

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sweeper A re-drove {both[0].Redriven}, sweeper B {both[1].Redriven} of {ids.Count} due messages in {stopwatch.ElapsedMilliseconds} ms (both at once, on Azurite)"));
        Assert.Equal(ids.Count, both.Sum(r => r.Redriven));
        Assert.Equal(0, both.Sum(r => r.Faulted));
        var jobs = await JobsOnQueueAsync(host);
        Assert.Equal(ids.Order(StringComparer.Ordinal), jobs.Select(j => j.MessageId).Order(StringComparer.Ordinal));
        foreach (var id in ids)
        {
            var indexRow = Assert.Single(await sweep.IndexRowsAsync(id));
            Assert.Equal(clock.GetUtcNow() + Grace, indexRow.DueAt);
            Assert.Equal(1, Assert.Single((await host.Status.GetAsync(id, default)).Recipients).Round);
        }
    }

    [Fact]
    public async Task IndexRow_OfASubmissionThatNeverCommitted_IsDroppedAtItsFirstCheck()
    {
        var (world, _, host, sweep) = await WorldAsync("orphan.test");
        await using var __ = world;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var id = host.Get<SmtpFunctions.Core.Submission.MessageIds>().New();

        // Filed as submission files it (the tag on its MIME), for an attempt that failed before its commit.
        var blobs = host.Get<MessageBlobs>();
        var blobName = await sweep.FileAttemptAsync(id, "lost", sweep.Index.FilingTags(clock.GetUtcNow()));
        Assert.Single(await sweep.IndexRowsAsync(id));
        clock.Advance(FirstCheck);
        var swept = await sweep.SweepAsync(clock.GetUtcNow());

        Assert.Equal((1, 1, 0), (swept.Examined, swept.Orphans, swept.Moved));
        Assert.Empty(await sweep.IndexRowsAsync(id));
        Assert.Empty(await sweep.JobsAsync());
        // The orphan's MIME goes with its entry.
        Assert.Null(await blobs.DownloadToBufferAsync(blobName, default));
    }

    [Fact]
    public async Task FirstFiling_OfAnAttemptThatLostToAnotherWithTheSameKey_IsRemovedWithItsBlob_AndTheMessageKeepsItsOwn()
    {
        var (world, _, host, sweep) = await WorldAsync("twice.test");
        await using var __ = world;
        var receipt = await host.SubmitJsonAsync(Json("rcpt@twice.test"));
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        var message = await host.Status.GetMessageAsync(receipt.MessageId, default);
        // The other attempt's MIME, filed as its upload filed it; its commit found the message there and it crashed.
        var blobs = host.Get<MessageBlobs>();
        var lost = await sweep.FileAttemptAsync(receipt.MessageId, "lost-attempt", sweep.Index.FilingTags(view.SubmittedAt));
        Assert.Equal(2, (await sweep.IndexRowsAsync(receipt.MessageId)).Count);

        var swept = await sweep.SweepAsync(view.SubmittedAt + FirstCheck);

        Assert.Equal((2, 1, 1), (swept.Examined, swept.Orphans, swept.Finished));
        Assert.Null(await blobs.DownloadToBufferAsync(lost, default));
        using var kept = await blobs.DownloadToBufferAsync(message!.BlobName, default);
        Assert.NotNull(kept);
        Assert.True(Assert.Single(await sweep.IndexRowsAsync(receipt.MessageId)).Retention);
    }

    [Fact]
    public async Task FirstFiling_DueWithinTheOrphanGrace_StaysATag_UntilTheCommitCanNoLongerLand()
    {
        var (world, _, host, sweep) = await WorldAsync("orphan.test");
        await using var __ = world;
        var submittedAt = DateTimeOffset.UtcNow;
        var id = host.Get<SmtpFunctions.Core.Submission.MessageIds>().New();
        var blobs = host.Get<MessageBlobs>();
        // Filed due at once (a Sweeper:FirstCheckDelay shorter than the orphan grace).
        var blobName = await sweep.FileAttemptAsync(id, "young", SweepIndex.FilingTagsFor(submittedAt, submittedAt));

        var young = await sweep.SweepAsync(submittedAt + TimeSpan.FromSeconds(30));
        Assert.Equal((1, 0, 1), (young.Examined, young.Orphans, young.Moved));
        var postponed = Assert.Single(await sweep.IndexRowsAsync(id));
        Assert.Equal(blobName, postponed.BlobName);
        Assert.Equal(submittedAt + TimeSpan.FromMinutes(2), postponed.DueAt);
        Assert.NotNull(await blobs.DownloadToBufferAsync(blobName, default));

        var old = await sweep.SweepAsync(submittedAt + TimeSpan.FromMinutes(2));
        Assert.Equal(1, old.Orphans);
        Assert.Empty(await sweep.IndexRowsAsync(id));
        Assert.Null(await blobs.DownloadToBufferAsync(blobName, default));
    }

    [Fact]
    public async Task IndexRow_DueWithinTheOrphanGrace_WaitsForACommitThatMayStillLand()
    {
        var (world, _, host, sweep) = await WorldAsync("orphan.test");
        await using var __ = world;
        var submittedAt = DateTimeOffset.UtcNow;
        var id = host.Get<SmtpFunctions.Core.Submission.MessageIds>().New();
        await sweep.Index.Table.AddEntityAsync(new SweepIndexEntity
        {
            PartitionKey = SweepIndex.BucketFor(submittedAt, id, 4),
            RowKey = id,
            DueAt = submittedAt,
            SubmittedAt = submittedAt,
        });

        // Within the orphan grace (Delivery:OrphanGracePeriod, 2 min) the commit may still land: the row waits until then.
        var young = await sweep.SweepAsync(submittedAt + TimeSpan.FromSeconds(30));
        Assert.Equal((1, 0, 1), (young.Examined, young.Orphans, young.Moved));
        Assert.Equal(submittedAt + TimeSpan.FromMinutes(2), Assert.Single(await sweep.IndexRowsAsync(id)).DueAt);

        var old = await sweep.SweepAsync(submittedAt + TimeSpan.FromMinutes(2));
        Assert.Equal(1, old.Orphans);
        Assert.Empty(await sweep.IndexRowsAsync(id));
    }

    [Fact]
    public async Task IndexRow_OfAMessageAlreadyFinal_IsFiledForItsRetentionAtItsFirstCheck()
    {
        var (world, sink, host, sweep) = await WorldAsync("final.test");
        await using var _ = world;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var receipt = await host.SubmitJsonAsync(Json("rcpt@final.test"));
        var filed = Assert.Single(await sweep.IndexRowsAsync(receipt.MessageId));
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);
        Assert.Equal(view.SubmittedAt + FirstCheck, filed.DueAt);
        Assert.NotNull(filed.BlobName);

        clock.Advance(FirstCheck + TimeSpan.FromMinutes(1));
        var swept = await sweep.SweepAsync(clock.GetUtcNow());

        Assert.Equal((1, 1, 0, 0), (swept.Examined, swept.Finished, swept.Redriven, swept.Moved));
        var retained = Assert.Single(await sweep.IndexRowsAsync(receipt.MessageId));
        Assert.True(retained.Retention);
        Assert.Null(retained.BlobName);
        Assert.Equal(view.SubmittedAt + Retention, retained.DueAt);
        Assert.Empty(await sweep.JobsAsync());
        Assert.Single(sink.ReadAcceptedMessages());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[healthy message] longest non-final: {(Assert.Single(view.Recipients).DeliveredAt!.Value - view.SubmittedAt).TotalMilliseconds:F0} ms; the sweeper only filed its index row for retention"));
    }

    [Fact]
    public async Task FinishedMessage_PastItsRetention_HasItsStatusRowsDeleted_AndItsIdempotencyKeyIsFreeAgain()
    {
        var (world, _, host, sweep) = await WorldAsync("retention.test");
        await using var __ = world;
        var key = "retention-" + Guid.NewGuid().ToString("N");
        var receipt = await host.SubmitJsonAsync(Json("rcpt@retention.test"), key);
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);
        await sweep.SweepAsync(view.SubmittedAt + FirstCheck);

        // A day before the retention ends the rows are all there; at its end they are gone, and so is the index row.
        var early = await sweep.SweepAsync(view.SubmittedAt + Retention - TimeSpan.FromDays(1));
        Assert.Equal(0, early.Purged);
        Assert.NotNull(await host.Status.GetViewAsync(receipt.MessageId, default));

        var due = await sweep.SweepAsync(view.SubmittedAt + Retention + TimeSpan.FromMinutes(1));

        Assert.Equal((1, 1), (due.Examined, due.Purged));
        var (message, recipients) = await host.Status.GetAsync(receipt.MessageId, default);
        Assert.Null(message);
        Assert.Empty(recipients);
        Assert.Empty(await sweep.IndexRowsAsync(receipt.MessageId));

        // The key answered for the old message until now (another body would have been a conflict); now it names a new one.
        var again = await host.SubmitJsonAsync(Json("other@retention.test"), key);
        Assert.Equal(receipt.MessageId, again.MessageId);
        Assert.Equal("other@retention.test", Assert.Single((await host.Status.GetAsync(receipt.MessageId, default)).Recipients).Address);
    }

    [Fact]
    public async Task Index_FilesRowsThatArriveTogether_InOneTransaction_AndEveryRowIsThere()
    {
        var requests = new RequestCountingPolicy();
        var held = new HeldRequestPolicy("/" + StorageNames.ScheduleTable);
        await using var host = await DeliveryHost.StartAsync(azurite.Azurite.ConnectionString, output, new Dictionary<string, string?>(),
            services => services.AddSingleton<Azure.Core.Pipeline.HttpPipelinePolicy>(requests).AddSingleton<Azure.Core.Pipeline.HttpPipelinePolicy>(held));
        var index = host.Get<SweepIndex>();
        await new SweepDriver(host).ResetAsync();
        var now = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid().ToString("N")).ToList();

        // As a sweep moves many first filings at once: the first row is in flight (held); the other 19 arrive meanwhile and
        // must wait for one transaction together.
        var options = host.Get<Microsoft.Extensions.Options.IOptions<SmtpFunctions.Core.Options.SweeperOptions>>().Value;
        requests.Reset();
        held.Arm();
        var first = index.FileAsync(ids[0], now + options.FirstCheckDelay, now, CancellationToken.None);
        await held.Held.WaitAsync(TimeSpan.FromSeconds(30));
        var rest = ids.Skip(1).Select(id => index.FileAsync(id, now + options.FirstCheckDelay, now, CancellationToken.None)).ToList();
        held.Release();
        await first;
        await Task.WhenAll(rest);
        var filings = requests.Requests.Select(r => $"{r.Method} {r.Resource}").ToList();

        var filed = new Dictionary<string, string>();
        await foreach (var row in index.Table.QueryAsync<SweepIndexEntity>())
        {
            filed[row.RowKey] = row.PartitionKey;
        }

        // One request per partition (minute and shard) for the 19 that waited: each row stays in its own shard.
        var partitions = ids.Skip(1).GroupBy(id => SweepIndex.BucketFor(now + options.FirstCheckDelay, id, options.IndexShards)).ToList();
        output.WriteLine($"20 filings: {string.Join(", ", filings)}");
        Assert.Equal("PUT schedule", filings[0]);
        Assert.Equal(partitions.Count, filings.Count - 1);
        Assert.Equal(partitions.Count(p => p.Count() > 1), filings.Count(f => f == "POST $batch"));
        Assert.All(ids, id => Assert.Equal(SweepIndex.BucketFor(now + options.FirstCheckDelay, id, options.IndexShards), filed[id]));
    }

    [Fact]
    public async Task Index_CostsNoRequestAtSubmission_AndTwoAtTheFirstLookOfAFinishedMessage()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("cost.test", sink.Address));
        var requests = new RequestCountingPolicy();
        await using var host = await DeliveryHost.StartAsync(azurite.Azurite.ConnectionString, output, new Dictionary<string, string?>
        {
            ["Delivery:Port"] = world.Port.ToString(CultureInfo.InvariantCulture),
            ["Routing:NameServers"] = $"{world.Dns.EndPoint.Address}:{world.Dns.EndPoint.Port}",
        }, services => services.AddSingleton<Azure.Core.Pipeline.HttpPipelinePolicy>(requests));
        var sweep = new SweepDriver(host);
        await sweep.ResetAsync();

        requests.Reset();
        var receipt = await host.SubmitJsonAsync(Json("rcpt@cost.test"));
        var atSubmission = requests.Requests;
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);

        requests.Reset();
        var swept = await sweep.SweepAsync(view.SubmittedAt + FirstCheck);
        var atFirstLook = requests.Requests;

        Assert.Equal(1, swept.Finished);
        output.WriteLine($"submission: {atSubmission.Count} requests ({string.Join(", ", atSubmission.Select(r => $"{r.Method} {r.Resource}"))})");
        output.WriteLine($"first look: {atFirstLook.Count} requests ({string.Join(", ", atFirstLook.Select(r => $"{r.Method} {r.Resource}"))})");
        // The blob's own upload files it: no index request, one blob PUT.
        Assert.Equal(0, atSubmission.Count(r => r.Resource == StorageNames.ScheduleTable));
        Assert.Single(atSubmission, r => r.Port == azurite.Azurite.BlobPort);
        // Query the table part and the tags (each shared by every entry due), read the status, file the row for retention
        // (group-committed with the sweep's others; alone, one upsert), clear the tag: off the hot path.
        Assert.Equal(
            ["GET schedule", "GET messages?comp=blobs", "GET messages", "PUT schedule", "PUT messages?comp=tags"],
            atFirstLook.Select(r => $"{r.Method} {r.Resource}"));
    }

    [Fact]
    public async Task FailureWaitingForItsDsn_GetsABounceJob_OnceOverdue()
    {
        var (world, _, host, sweep) = await WorldAsync("dsn.test");
        await using var __ = world;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var receipt = await host.SubmitJsonAsync(Json("rcpt@dsn.test"));
        await sweep.LoseJobsAsync();

        // Failed for good and marked for the DSN, and then the bounce job was lost.
        var row = Assert.Single((await host.Status.GetAsync(receipt.MessageId, default)).Recipients);
        row.Status = RecipientStatus.Failed;
        row.DsnPending = true;
        row.UpdatedAt = clock.GetUtcNow();
        await host.Status.UpdateRecipientAsync(row, row.ETag, default);

        clock.Advance(FirstCheck + Grace);
        var swept = await sweep.SweepAsync(clock.GetUtcNow());

        Assert.Equal((1, 0, 1), (swept.BouncesRequested, swept.Redriven, swept.Moved));
        var job = Assert.Single(await sweep.JobsAsync(receipt.MessageId));
        Assert.Equal(Delivery.DeliveryJob.BounceKind, job.Kind);
        Assert.Empty(job.Recipients);
        Assert.Single(await sweep.IndexRowsAsync(receipt.MessageId));
    }

    // Every job on the queue, however many: received and let go again at once.
    private static async Task<List<Delivery.DeliveryJob>> JobsOnQueueAsync(DeliveryHost host)
    {
        var jobs = new List<Delivery.DeliveryJob>();
        var seen = new HashSet<string>();
        while ((await host.Queue.Client.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value is { Length: > 0 } batch)
        {
            foreach (var message in batch.Where(m => seen.Add(m.MessageId)))
            {
                jobs.Add(OutboundQueue.Deserialize(message.Body));
            }
        }

        return jobs;
    }

    private void PrintNonFinal(string scenario, TimeSpan simulated, TimeSpan real) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{scenario}] longest non-final: {simulated.TotalSeconds:F1} s until the sweep that re-drove it (sweeper clock) + {real.TotalSeconds:F1} s from re-drive to final (real)"));

    // Every send to the outbound queue fails as a dropped connection does while Failing is set; the rest passes.
    private sealed class QueueSendFailurePolicy : Azure.Core.Pipeline.HttpPipelinePolicy
    {
        private int _failed;

        public volatile bool Failing;

        public int Failed => Volatile.Read(ref _failed);

        public override ValueTask ProcessAsync(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
        {
            ThrowIfQueueSend(message);
            return ProcessNextAsync(message, pipeline);
        }

        public override void Process(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
        {
            ThrowIfQueueSend(message);
            ProcessNext(message, pipeline);
        }

        private void ThrowIfQueueSend(Azure.Core.HttpMessage message)
        {
            if (Failing && message.Request.Method == Azure.Core.RequestMethod.Post
                && message.Request.Uri.Path.Contains("/" + StorageNames.OutboundQueue + "/messages", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _failed);
                throw new IOException("The queue is away (test).");
            }
        }
    }
}
