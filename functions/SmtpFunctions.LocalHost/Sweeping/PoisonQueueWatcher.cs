using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Sweeping;
using SmtpFunctions.LocalHost.Queues;

namespace SmtpFunctions.LocalHost.Sweeping;

/// <summary>
/// Plays the function app's <c>RedrivePoisonedJob</c> trigger for one shard (one watcher per shard): polls <c>outbound-poison</c> (or <c>outbound-n-poison</c>) with host.json's polling
/// back-off, hands each body to <see cref="PoisonJobHandler"/>, deletes it when the handler returns; on an exception
/// makes it visible again after <c>visibilityTimeout</c>, or moves it to <c>outbound-poison-poison</c> once
/// <c>maxDequeueCount</c> is reached. Nothing it meets ends the host.
/// </summary>
/// <remarks>
/// One message at a time: poisoned jobs are rare, and a failure in one never holds back a batch of others. The queue is
/// read as raw text and decoded here, as the listener on <c>outbound</c> does: that listener moves a body that is not
/// Base64 here unchanged, and the handler is what counts and drops it.
/// </remarks>
internal sealed partial class PoisonQueueWatcher(
    ShardAccounts accounts, QueueShard shard, PoisonJobHandler handler, QueueTriggerSettings settings, ILogger<PoisonQueueWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    private readonly QueueClient _poison = accounts.For(shard.Number).Queues.GetQueueClient(StorageShards.PoisonQueueName(shard.Number));
    private readonly QueueClient _poisonPoison = accounts.For(shard.Number).Queues.GetQueueClient(StorageShards.PoisonPoisonQueueName(shard.Number));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pollDelay = MinPollingInterval;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                QueueMessage? message = null;
                try
                {
                    message = (await _poison.ReceiveMessageAsync(Lease, stoppingToken)).Value;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Storage away: poll again later.
                    LogPollFailed(logger, ex);
                }

                if (message is null)
                {
                    await Task.Delay(pollDelay, stoppingToken);
                    pollDelay = TimeSpan.FromTicks(Math.Min(pollDelay.Ticks * 2, settings.MaxPollingInterval.Ticks));
                    continue;
                }

                pollDelay = MinPollingInterval;
                await ProcessAsync(message, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task ProcessAsync(QueueMessage message, CancellationToken stoppingToken)
    {
        try
        {
            // Text that does not decode is no job: the handler sees it as such, counts it as malformed and drops it.
            var body = QueueMessageBody.TryDecode(message, settings.MessageEncoding, out var decoded) ? decoded : message.Body;
            await handler.HandleAsync(body, stoppingToken);
            await _poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Leave it: the lease runs out and the next run picks it up.
        }
        catch (Exception ex)
        {
            LogFailed(logger, message.MessageId, message.DequeueCount, ex);
            try
            {
                if (message.DequeueCount >= settings.MaxDequeueCount)
                {
                    await _poisonPoison.SendMessageAsync(message.MessageText, cancellationToken: CancellationToken.None);
                    await _poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
                    LogGaveUp(logger, message.MessageId, message.DequeueCount);
                }
                else
                {
                    await _poison.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: settings.VisibilityTimeout, cancellationToken: CancellationToken.None);
                }
            }
            catch (Exception release) when (StorageFaults.IsUnavailable(release))
            {
                // The lease runs out on its own; the message comes back with a higher dequeue count.
                LogPollFailed(logger, release);
            }
        }
    }

    [LoggerMessage(EventId = 8111, Level = LogLevel.Warning, Message = "Polling outbound-poison failed")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8112, Level = LogLevel.Error, Message = "RedrivePoisonedJob failed for queue message {QueueMessageId} (dequeue {DequeueCount})")]
    private static partial void LogFailed(ILogger logger, string queueMessageId, long dequeueCount, Exception exception);

    [LoggerMessage(EventId = 8113, Level = LogLevel.Error, Message = "Moved queue message {QueueMessageId} to outbound-poison-poison after {DequeueCount} attempts")]
    private static partial void LogGaveUp(ILogger logger, string queueMessageId, long dequeueCount);
}
