using Azure.Storage.Queues.Models;
using SmtpFunctions.Core.Events;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Sweeping;
using SmtpFunctions.Testing.Azurite;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// The crash window of events, made exact: the status writes (and their intents) happened, the intents' queue messages
/// did not. The sweeper must find them in the partition it reads anyway, send them again, and keep the message in its
/// index until they are dispatched.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class EventRecoveryTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Fact]
    public async Task Sweeper_IntentWhoseEnqueueWasLost_IsSentAgainAndDispatched()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(null, "rcpt@events.test", MailWorld.Sender);
        await world.ServeAsync(MailWorld.MxZone("events.test", postfix.Address));
        // No subscription here: the intent must be written all the same to be recovered.
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, ("Events:Enabled", "true"), ("Events:SkipWithoutSubscribers", "false"));
        var events = host.Get<EventQueue>();

        var receipt = await host.SubmitJsonAsync("""{"from":"sender@sender.test","to":"rcpt@events.test","subject":"s","text":"t","metadata":{"k":"v"}}""");
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);

        // The crash: the delivered intent is in the table, its queue message is gone (so is the accepted one, which
        // the sweeper cannot bring back and need not: it was sent before the commit, never after it).
        var (_, rows, intents) = await host.Status.GetWithIntentsAsync(receipt.MessageId, CancellationToken.None);
        var intent = Assert.Single(intents);
        Assert.Equal(EventTypes.Delivered, Assert.Single(intent.ReadEvents()).Type);
        Assert.Equal(2, Assert.Single(rows).EventSeq);
        await events.Client.ClearMessagesAsync();

        var sweeper = host.Get<Sweeper>();
        var later = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(15);
        // The sweeper looks at every overdue message of the shared Azurite, so what is asserted is this message's.
        await sweeper.SweepAsync(later, CancellationToken.None);
        Assert.False((await IndexRowAsync(host, receipt.MessageId)).Retention);

        QueueMessage[] queued = (await events.Client.ReceiveMessagesAsync(32)).Value;
        var resent = Assert.Single(queued, q => EventQueue.Deserialize(q.Body).MessageId == receipt.MessageId);
        var message = EventQueue.Deserialize(resent.Body);
        Assert.Equal(EventQueueMessage.IntentKind, message.Kind);
        Assert.Equal(intent.RowKey, message.IntentRowKey);

        await host.Get<EventDispatcher>().HandleAsync(resent.Body, CancellationToken.None);
        var (_, _, left) = await host.Status.GetWithIntentsAsync(receipt.MessageId, CancellationToken.None);
        Assert.Empty(left);

        // Dispatched: the next look finishes the message.
        await sweeper.SweepAsync(later + TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.True((await IndexRowAsync(host, receipt.MessageId)).Retention);
    }

    private static async Task<SweepIndexEntity> IndexRowAsync(DeliveryHost host, string messageId)
    {
        return Assert.Single(await host.Get<SweepIndex>().EntriesOfAsync(messageId, CancellationToken.None));
    }
}
