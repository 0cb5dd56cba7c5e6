using Azure.Storage.Queues.Models;
using SmtpFunctions.Core.Events;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Testing.Azurite;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// <c>events-poison</c> against Azurite: what the dispatcher failed on maxDequeueCount times goes back on <c>events</c>
/// through the re-drive schedule, and when that is used up a webhook delivery is kept for replay rather than dropped.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class EventPoisonTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Fact]
    public async Task Poisoned_EventMessage_IsPutBackOnTheEventsQueueWithItsRedriveCounted()
    {
        await using var world = await MailWorld.CreateAsync();
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, ("Events:Enabled", "true"), ("Events:PoisonRedriveSchedule", "00:00:01,00:00:05"));
        var events = host.Get<EventQueue>();
        await events.Client.ClearMessagesAsync();
        var id = "poison-" + Guid.NewGuid().ToString("N");
        var poisoned = new EventQueueMessage { Kind = EventQueueMessage.IntentKind, MessageId = id, IntentRowKey = "e:" + id + ":1", Redrives = 1 };

        await host.Get<EventPoisonHandler>().HandleAsync(Body(poisoned), CancellationToken.None);

        // Sent with the schedule's second wait: on the queue but invisible at first, received once the wait is over.
        Assert.Equal(1, (await events.Client.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Empty((await events.Client.PeekMessagesAsync(32)).Value);
        var back = await ReceiveOneAsync(events, id);
        Assert.Equal(poisoned with { Redrives = 2 }, EventQueue.Deserialize(back.Body));
    }

    [Fact]
    public async Task Poisoned_WebhookDelivery_PastTheSchedule_IsKeptForReplay()
    {
        await using var world = await MailWorld.CreateAsync();
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, ("Events:Enabled", "true"), ("Events:PoisonRedriveSchedule", "00:00:01"));
        var events = host.Get<EventQueue>();
        await events.Client.ClearMessagesAsync();
        var target = "sub" + Guid.NewGuid().ToString("N");
        var poisoned = new EventQueueMessage
        {
            Kind = EventQueueMessage.DeliverKind, MessageId = "m" + Guid.NewGuid().ToString("N"), TenantId = "t1", Target = target,
            EventId = "evt-1", Event = """{"specversion":"1.0"}""", Attempt = 2, Redrives = 1,
        };

        await host.Get<EventPoisonHandler>().HandleAsync(Body(poisoned), CancellationToken.None);

        var kept = await host.Get<WebhookSubscriptionStore>().FailedAsync(target, null, CancellationToken.None);
        var failure = Assert.Single(kept);
        Assert.Equal(("evt-1", poisoned.MessageId, "t1", poisoned.Event), (failure.RowKey, failure.MessageId, failure.TenantId, failure.Event));
        Assert.Equal(0, (await events.Client.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Poisoned_AcceptedOrIntent_PastTheSchedule_OrNotAnEventMessage_IsNotQueuedAgain()
    {
        await using var world = await MailWorld.CreateAsync();
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, ("Events:Enabled", "true"), ("Events:PoisonRedriveSchedule", "00:00:01"));
        var events = host.Get<EventQueue>();
        await events.Client.ClearMessagesAsync();
        var handler = host.Get<EventPoisonHandler>();

        await handler.HandleAsync(Body(new EventQueueMessage { Kind = EventQueueMessage.AcceptedKind, MessageId = "a1", SubmissionToken = "t", Redrives = 1 }), CancellationToken.None);
        await handler.HandleAsync(Body(new EventQueueMessage { Kind = EventQueueMessage.IntentKind, MessageId = "i1", IntentRowKey = "e:i1:x", Redrives = 1 }), CancellationToken.None);
        await handler.HandleAsync(BinaryData.FromString("not json"), CancellationToken.None);
        await handler.HandleAsync(BinaryData.FromString("""{"kind":"other","messageId":"x"}"""), CancellationToken.None);

        Assert.Equal(0, (await events.Client.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        var logged = host.LogEvents.Select(e => e.EventId).ToList();
        Assert.Contains(9412, logged);
        Assert.Contains(9413, logged);
        Assert.Equal(2, logged.Count(id => id == 9414));
    }

    private static BinaryData Body(EventQueueMessage message) => BinaryData.FromBytes(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(message));

    // Receives until this test's message comes (other copies, if any, are ignored), waiting on the queue, not a clock.
    private static async Task<QueueMessage> ReceiveOneAsync(EventQueue events, string messageId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            foreach (var message in (await events.Client.ReceiveMessagesAsync(32, cancellationToken: timeout.Token)).Value)
            {
                if (EventQueue.Deserialize(message.Body).MessageId == messageId)
                {
                    return message;
                }
            }

            await Task.Delay(200, timeout.Token);
        }
    }
}
