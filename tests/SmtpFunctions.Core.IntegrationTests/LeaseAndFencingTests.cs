using Azure.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// The claim on a recipient is a lease with an owner and an expiry, and a round fences stale copies of a job: copies
/// racing each other send once, a redelivered original drops itself, a crashed worker's lease is taken over, and an
/// outcome survives storage going away right after the peer's 250. Real Azurite, real smtp-sink.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class LeaseAndFencingTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static string Json(string to) =>
        $$"""{"from":"{{MailWorld.Sender}}","to":["{{to}}"],"subject":"Lease","text":"hello"}""";

    private Task<DeliveryHost> StartAsync(MailWorld world, Action<IServiceCollection>? services = null, params (string Key, string Value)[] settings) =>
        world.StartHostAsync(azurite.Azurite.ConnectionString, output, services, settings);

    [Fact]
    public async Task TwoHandlersRacingTheSameJobs_SendEachMessageOnce()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("race.test", sink.Address));
        var first = await StartAsync(world);
        var second = await StartAsync(world);
        const int messages = 20;

        var bodies = new List<BinaryData>();
        var ids = new List<string>();
        for (var i = 0; i < messages; i++)
        {
            ids.Add((await first.SubmitJsonAsync(Json($"rcpt{i}@race.test"))).MessageId);
        }

        while (bodies.Count < messages)
        {
            bodies.AddRange((await first.Queue.Client.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value.Select(m => m.Body));
        }

        // Each job handled by both hosts at once, as a redelivered copy racing the original would be.
        await Task.WhenAll(bodies.SelectMany(body => new[]
        {
            Task.Run(() => first.Handler.HandleAsync(body, 1, CancellationToken.None)),
            Task.Run(() => second.Handler.HandleAsync(body, 2, CancellationToken.None)),
        }));

        // Every handler has returned, so every 250 has been given: what the sink holds now is all it will get.
        await sink.WaitForMessagesAsync(messages, timeout: TimeSpan.FromSeconds(30));
        var accepted = sink.ReadAcceptedMessages();
        output.WriteLine($"submitted {messages}, handled twice each, peer accepted {accepted.Count}");
        Assert.Equal(messages, accepted.Count);
        foreach (var id in ids)
        {
            var rcpt = Assert.Single((await first.Status.GetViewAsync(id, CancellationToken.None))!.Recipients);
            Assert.Equal(RecipientStatus.Delivered, rcpt.Status);
            Assert.Equal(1, rcpt.Attempts);
        }
    }

    [Fact]
    public async Task RedeliveredOriginal_AfterItsRetryWasQueued_IsStaleAndSendsNothing()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions { SoftReject = ["RCPT"] });
        await world.ServeAsync(MailWorld.MxZone("stale.test", sink.Address));
        var host = await StartAsync(world, settings: ("Retry:Schedule", "00:01:00"));
        var receipt = await host.SubmitJsonAsync(Json("rcpt@stale.test"));
        var original = Assert.Single((await host.Queue.Client.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(5))).Value);
        await host.Queue.Client.DeleteMessageAsync(original.MessageId, original.PopReceipt);

        // Round 0 is deferred and its round-1 retry queued; then the original comes back, as when the handler failed
        // before the queue deleted it.
        await host.Handler.HandleAsync(original.Body, 1, CancellationToken.None);
        var deferred = Assert.Single((await host.Status.GetViewAsync(receipt.MessageId, CancellationToken.None))!.Recipients);
        var sessionsBefore = sink.GetSessionStatistics().Total;
        await host.Handler.HandleAsync(original.Body, 2, CancellationToken.None);

        var after = Assert.Single((await host.Status.GetViewAsync(receipt.MessageId, CancellationToken.None))!.Recipients);
        Assert.Equal(RecipientStatus.Deferred, deferred.Status);
        Assert.Equal(RecipientStatus.Deferred, after.Status);
        Assert.Equal(1, after.Attempts);
        Assert.Equal(sessionsBefore, sink.GetSessionStatistics().Total);
        Assert.Empty((await host.Queue.Client.PeekMessagesAsync(32)).Value);
        var properties = await host.Queue.Client.GetPropertiesAsync();
        Assert.Equal(1, properties.Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task LiveLeaseOfACrashedWorker_IsLeftAlone_ThenTakenOverWhenItLapses()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("lease.test", sink.Address));
        var host = await StartAsync(world);
        var receipt = await host.SubmitJsonAsync(Json("rcpt@lease.test"));
        var job = Assert.Single((await host.Queue.Client.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(5))).Value);

        // A worker claimed it and died: its lease runs two more seconds.
        var row = Assert.Single(await host.Status.GetRecipientsAsync(receipt.MessageId, ["rcpt@lease.test"], false, CancellationToken.None));
        row.Status = RecipientStatus.Delivering;
        row.LeaseOwner = "crashed-worker";
        row.LeaseUntil = DateTimeOffset.UtcNow.AddSeconds(2);
        await host.Status.UpdateRecipientAsync(row, row.ETag, CancellationToken.None);
        await host.Queue.Client.DeleteMessageAsync(job.MessageId, job.PopReceipt);

        await host.Handler.HandleAsync(job.Body, 2, CancellationToken.None);
        Assert.Empty(sink.ReadAcceptedMessages());
        Assert.Equal(RecipientStatus.Delivering, Assert.Single((await host.Status.GetViewAsync(receipt.MessageId, CancellationToken.None))!.Recipients).Status);
        var properties = await host.Queue.Client.GetPropertiesAsync();
        Assert.Equal(1, properties.Value.ApproximateMessagesCount);

        var started = DateTime.UtcNow;
        var view = await host.RunUntilFinalAsync(receipt.MessageId, TimeSpan.FromSeconds(30));
        var rcpt = Assert.Single(view.Recipients);
        output.WriteLine($"taken over and delivered {(DateTime.UtcNow - started).TotalSeconds:F1} s after the copy found the live lease");
        Assert.Equal(RecipientStatus.Delivered, rcpt.Status);
        Assert.Equal(1, rcpt.Attempts);
        Assert.Single(await sink.WaitForMessagesAsync(1, timeout: TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task StorageAwayWhenThe250IsRecorded_TheOutcomeIsWrittenLater_AndTheMessageIsSentOnce()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("outcome.test", sink.Address));
        var policy = new FailingOutcomeWritePolicy(failures: 4);
        var host = await StartAsync(world, services => services.AddSingleton<HttpPipelinePolicy>(policy));

        var receipt = await host.SubmitJsonAsync(Json("rcpt@outcome.test"));
        var view = await host.RunUntilFinalAsync(receipt.MessageId, TimeSpan.FromSeconds(60));

        output.WriteLine($"outcome writes refused: {policy.Failed}; handler faults: {host.HandlerFaults.Count}");
        Assert.Equal(4, policy.Failed);
        Assert.Empty(host.HandlerFaults);
        var rcpt = Assert.Single(view.Recipients);
        Assert.Equal(RecipientStatus.Delivered, rcpt.Status);
        Assert.Equal(1, rcpt.Attempts);
        Assert.Single(sink.ReadAcceptedMessages());
    }
}
