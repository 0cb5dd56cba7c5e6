using Azure.Data.Tables;
using SmtpFunctions.Core.Events;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Testing.Azurite;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// Events cost nothing while nobody takes them: before any webhook subscription was added (and with no Event Grid topic) a
/// delivered message writes no intent and queues no event; once a subscription exists, the instance that added it writes
/// them at once and another instance after its refresh.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class EventDemandTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Fact]
    public async Task NoSubscription_WritesNoEvents_ThenOneOnEitherInstance_Does()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(null, "rcpt@demand.test", MailWorld.Sender);
        await world.ServeAsync(MailWorld.MxZone("demand.test", postfix.Address));
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, ("Events:Enabled", "true"));
        var other = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, ("Events:Enabled", "true"));
        var messages = host.Storage.Tables.GetTableClient(StorageNames.MessagesTable);
        // Azurite is shared: start from a deployment where no subscription was ever added.
        if ((await messages.GetEntityIfExistsAsync<TableEntity>(EventDemand.MarkerPartition, EventDemand.MarkerRow)).HasValue)
        {
            await messages.DeleteEntityAsync(EventDemand.MarkerPartition, EventDemand.MarkerRow);
        }

        var events = host.Get<EventQueue>();
        await events.Client.ClearMessagesAsync();
        await host.Get<EventDemand>().RefreshAsync();
        await other.Get<EventDemand>().RefreshAsync();

        var quiet = await DeliverAsync(host);
        Assert.Empty(quiet.Intents);
        Assert.Equal(0, (await events.Client.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        // Added on the first instance: it writes events at once.
        await host.Get<WebhookSubscriptionStore>().AddAsync(
            new WebhookSubscriptionEntity { PartitionKey = "demand-tenant", RowKey = "wh" + Guid.NewGuid().ToString("N"), Url = "https://hooks.demand.test/", Secret = "s", CreatedAt = DateTimeOffset.UtcNow },
            CancellationToken.None);
        var heard = await DeliverAsync(host);
        Assert.Equal(EventTypes.Delivered, Assert.Single(Assert.Single(heard.Intents).ReadEvents()).Type);
        Assert.Equal(2, (await events.Client.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        // The other instance still holds its answer until it refreshes; then it writes them too.
        await events.Client.ClearMessagesAsync();
        Assert.Empty((await DeliverAsync(other)).Intents);
        await other.Get<EventDemand>().RefreshAsync();
        Assert.Single((await DeliverAsync(other)).Intents);
        Assert.True((await messages.GetEntityIfExistsAsync<TableEntity>(EventDemand.MarkerPartition, EventDemand.MarkerRow)).HasValue);
    }

    private static async Task<(MessageEntity? Message, List<RecipientEntity> Recipients, List<EventIntentEntity> Intents)> DeliverAsync(DeliveryHost host)
    {
        var receipt = await host.SubmitJsonAsync("""{"from":"sender@sender.test","to":"rcpt@demand.test","subject":"s","text":"t"}""");
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);
        return await host.Status.GetWithIntentsAsync(receipt.MessageId, CancellationToken.None);
    }
}
