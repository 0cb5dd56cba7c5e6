using System.Diagnostics;
using Azure.Storage.Queues;

namespace SmtpFunctions.Benchmarks.Delivery;

/// <summary>
/// Azurite's own dequeue rate with a minimal client: fill a queue to the depth our run keeps, then time receive(32) +
/// delete until it is empty; repeat. Only the dequeue part is timed, so this is what Azurite allows a consumer at that depth.
/// </summary>
internal static class AzuriteQueueCeiling
{
    public static async Task<double> MeasureAsync(QueueServiceClient queues, int messages, int depth, CancellationToken cancellationToken)
    {
        var queue = queues.GetQueueClient("ceiling-" + Guid.NewGuid().ToString("N")[..8]);
        await queue.CreateAsync(cancellationToken: cancellationToken);
        var body = new string('x', 400);
        var dequeued = 0;
        var timed = TimeSpan.Zero;
        try
        {
            while (dequeued < messages)
            {
                var round = Math.Min(depth, messages - dequeued);
                await Parallel.ForEachAsync(Enumerable.Range(0, round), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
                    async (_, ct) => await queue.SendMessageAsync(body, ct));

                var stopwatch = Stopwatch.StartNew();
                var left = round;
                while (left > 0)
                {
                    var batch = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(1), cancellationToken)).Value;
                    await Task.WhenAll(batch.Select(m => queue.DeleteMessageAsync(m.MessageId, m.PopReceipt, cancellationToken)));
                    left -= batch.Length;
                }

                timed += stopwatch.Elapsed;
                dequeued += round;
            }
        }
        finally
        {
            await queue.DeleteIfExistsAsync(CancellationToken.None);
        }

        return dequeued / timed.TotalSeconds;
    }
}
