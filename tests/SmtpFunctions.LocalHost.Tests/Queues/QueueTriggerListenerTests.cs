using Azure.Storage.Queues;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.LocalHost.Tests.Queues;

public class QueueTriggerListenerTests(QueueListenerFixture host) : IClassFixture<QueueListenerFixture>
{
    [Fact]
    public async Task Listener_WhenHandlerKeepsFailing_MovesMessageToPoisonAfterMaxDequeueCount()
    {
        var outbound = host.Storage.Queues.GetQueueClient(StorageNames.OutboundQueue);
        var poison = host.Storage.Queues.GetQueueClient(StorageNames.OutboundPoisonQueue);
        var body = BinaryData.FromString("{\"this is\": \"not a delivery job\"}");

        await outbound.SendMessageAsync(body);

        var poisoned = await WaitForAsync(poison, TimeSpan.FromSeconds(30));
        Assert.Equal(body.ToString(), poisoned.ToString());
        // The listener copies to the poison queue before it deletes the original, so that a crash between the two
        // keeps the message; the delete may therefore still be on its way when the copy is seen.
        Assert.True(await EmptiesAsync(outbound, TimeSpan.FromSeconds(30)), "the poisoned message stayed on the queue");
    }

    private static async Task<bool> EmptiesAsync(QueueClient queue, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while ((await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount != 0)
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }

    private static async Task<BinaryData> WaitForAsync(QueueClient queue, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var peeked = (await queue.PeekMessagesAsync(1)).Value;
            if (peeked.Length > 0)
            {
                return peeked[0].Body;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Nothing arrived on {queue.Name} within {timeout}.");
    }
}
