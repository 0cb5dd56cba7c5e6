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
        Assert.Equal(0, (await outbound.GetPropertiesAsync()).Value.ApproximateMessagesCount);
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
