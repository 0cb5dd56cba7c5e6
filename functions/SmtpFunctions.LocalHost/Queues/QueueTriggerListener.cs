using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.LocalHost.Queues;

/// <summary>
/// Plays the Functions host's queue trigger for <c>DeliverMessage</c>: polls <c>outbound</c> with host.json's batch
/// size, threshold and polling back-off; deletes a message when the handler returns; on an exception makes it visible
/// again after <c>visibilityTimeout</c>, or moves it to <c>outbound-poison</c> once <c>maxDequeueCount</c> is reached.
/// </summary>
internal sealed partial class QueueTriggerListener(
    StorageAccount account,
    DeliveryJobHandler handler,
    QueueTriggerSettings settings,
    ILogger<QueueTriggerListener> logger) : BackgroundService
{
    // The Functions host leases a message for 10 minutes and renews the lease while the function runs.
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    private readonly QueueClient _queue = account.Queues.GetQueueClient(StorageNames.OutboundQueue);
    private readonly QueueClient _poison = account.Queues.GetQueueClient(StorageNames.OutboundPoisonQueue);
    private readonly HashSet<Task> _inFlight = [];
    private readonly SemaphoreSlim _completed = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger, settings.BatchSize, settings.NewBatchThreshold, settings.MaxPollingInterval, settings.VisibilityTimeout, settings.MaxDequeueCount);
        var pollDelay = MinPollingInterval;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                while (InFlightCount() > settings.NewBatchThreshold)
                {
                    await _completed.WaitAsync(stoppingToken);
                }

                QueueMessage[] messages;
                try
                {
                    messages = (await _queue.ReceiveMessagesAsync(settings.BatchSize, Lease, stoppingToken)).Value;
                }
                catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !stoppingToken.IsCancellationRequested)
                {
                    LogPollFailed(logger, ex);
                    messages = [];
                }

                if (messages.Length == 0)
                {
                    await Task.Delay(pollDelay, stoppingToken);
                    pollDelay = TimeSpan.FromTicks(Math.Min(pollDelay.Ticks * 2, settings.MaxPollingInterval.Ticks));
                    continue;
                }

                pollDelay = MinPollingInterval;
                foreach (var message in messages)
                {
                    Track(ProcessAsync(message, stoppingToken));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }

        Task[] remaining;
        lock (_inFlight)
        {
            remaining = [.. _inFlight];
        }

        await Task.WhenAll(remaining);
    }

    public override void Dispose()
    {
        _completed.Dispose();
        base.Dispose();
    }

    private async Task ProcessAsync(QueueMessage message, CancellationToken stoppingToken)
    {
        var receipt = new LeaseReceipt(message.PopReceipt);
        try
        {
            if (message.DequeueCount > settings.MaxDequeueCount)
            {
                // Already over the limit (a previous run crashed mid-message): poison it without another try.
                await MoveToPoisonAsync(message, receipt, stoppingToken);
                return;
            }

            using var processing = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var renewal = RenewLeaseAsync(message, receipt, processing.Token);
            try
            {
                await handler.HandleAsync(message.Body, message.DequeueCount, stoppingToken);
            }
            finally
            {
                await processing.CancelAsync();
                await renewal;
            }

            await _queue.DeleteMessageAsync(message.MessageId, receipt.Value, CancellationToken.None);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Leave it: the lease runs out and the next run picks it up, as after a host restart in Azure.
        }
        catch (Exception ex)
        {
            LogFailed(logger, message.MessageId, message.DequeueCount, ex);
            await ReleaseOrPoisonAsync(message, receipt);
        }
    }

    private async Task ReleaseOrPoisonAsync(QueueMessage message, LeaseReceipt receipt)
    {
        try
        {
            if (message.DequeueCount >= settings.MaxDequeueCount)
            {
                await MoveToPoisonAsync(message, receipt, CancellationToken.None);
            }
            else
            {
                await _queue.UpdateMessageAsync(message.MessageId, receipt.Value, visibilityTimeout: settings.VisibilityTimeout);
            }
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
        {
            // The lease expires on its own; the message comes back with a higher dequeue count.
            LogReleaseFailed(logger, message.MessageId, ex);
        }
    }

    private async Task MoveToPoisonAsync(QueueMessage message, LeaseReceipt receipt, CancellationToken cancellationToken)
    {
        await _poison.SendMessageAsync(message.Body, cancellationToken: cancellationToken);
        await _queue.DeleteMessageAsync(message.MessageId, receipt.Value, cancellationToken);
        LogPoisoned(logger, message.MessageId, message.DequeueCount);
    }

    private async Task RenewLeaseAsync(QueueMessage message, LeaseReceipt receipt, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Lease / 2);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var updated = await _queue.UpdateMessageAsync(message.MessageId, receipt.Value, visibilityTimeout: Lease, cancellationToken: cancellationToken);
                receipt.Value = updated.Value.PopReceipt;
            }
        }
        catch (OperationCanceledException)
        {
            // Processing finished.
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
        {
            LogReleaseFailed(logger, message.MessageId, ex);
        }
    }

    private void Track(Task task)
    {
        lock (_inFlight)
        {
            _inFlight.Add(task);
        }

        _ = task.ContinueWith(
            t =>
            {
                lock (_inFlight)
                {
                    _inFlight.Remove(t);
                }

                _completed.Release();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private int InFlightCount()
    {
        lock (_inFlight)
        {
            return _inFlight.Count;
        }
    }

    /// <summary>The current pop receipt: it changes every time the lease is renewed.</summary>
    private sealed class LeaseReceipt(string value)
    {
        public string Value { get; set; } = value;
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Queue listener on outbound: batchSize {BatchSize}, newBatchThreshold {NewBatchThreshold}, maxPollingInterval {MaxPollingInterval}, visibilityTimeout {VisibilityTimeout}, maxDequeueCount {MaxDequeueCount}")]
    private static partial void LogStarted(ILogger logger, int batchSize, int newBatchThreshold, TimeSpan maxPollingInterval, TimeSpan visibilityTimeout, int maxDequeueCount);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Polling outbound failed; storage unavailable")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "DeliverMessage failed for queue message {QueueMessageId} (dequeue {DequeueCount})")]
    private static partial void LogFailed(ILogger logger, string queueMessageId, long dequeueCount, Exception exception);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "Moved queue message {QueueMessageId} to outbound-poison after {DequeueCount} attempts")]
    private static partial void LogPoisoned(ILogger logger, string queueMessageId, long dequeueCount);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Could not update the lease of queue message {QueueMessageId}")]
    private static partial void LogReleaseFailed(ILogger logger, string queueMessageId, Exception exception);
}
