using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.LocalHost.Queues;

/// <summary>
/// Plays the Functions host's queue trigger for one function (<c>DeliverMessage</c> on <c>outbound</c>,
/// <c>DispatchEvents</c> on <c>events</c>: see <see cref="QueueTriggerBinding"/>): polls the queue with host.json's batch
/// size, threshold and polling back-off; deletes a message when the handler returns; on an exception makes it visible
/// again after <c>visibilityTimeout</c>, or moves it to the poison queue once <c>maxDequeueCount</c> is reached.
/// </summary>
/// <remarks>
/// As in the Functions host, a message whose text cannot be decoded (not Base64) goes to the poison queue at once
/// (the queue extension's decoding-failed handler does that), while one that decodes but is not a delivery job fails
/// the handler and is retried like any failure until <c>maxDequeueCount</c>. Unlike it, messages are received with a
/// short lease (<see cref="LocalHostOptions.QueueLease"/>) renewed while the job runs, so that after a crash delivery
/// resumes within one lease instead of 10 minutes. Nothing here may end the process: every failure of a poll or of a
/// message is logged and survived, and polling backs off while storage is down.
/// </remarks>
internal sealed partial class QueueTriggerListener(
    QueueTriggerBinding binding,
    QueueTriggerSettings settings,
    IOptions<LocalHostOptions> options,
    ILogger<QueueTriggerListener> logger) : BackgroundService
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    // Raw text, decoded per message: the SDK's Base64 decoding would fail the whole batch for one bad message.
    private readonly QueueClient _queue = binding.Account.Queues.GetQueueClient(binding.Queue);
    private readonly QueueClient _poison = binding.Account.Queues.GetQueueClient(binding.PoisonQueue);
    private readonly TimeSpan _lease = options.Value.QueueLease;
    private readonly HashSet<Task> _inFlight = [];
    private readonly SemaphoreSlim _completed = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger, binding.Queue, settings.BatchSize, settings.NewBatchThreshold, settings.MaxPollingInterval, settings.VisibilityTimeout, settings.MaxDequeueCount, _lease);
        var pollDelay = MinPollingInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (InFlightCount() > settings.NewBatchThreshold)
                {
                    await _completed.WaitAsync(stoppingToken);
                }

                QueueMessage[] messages = (await _queue.ReceiveMessagesAsync(settings.BatchSize, _lease, stoppingToken)).Value;
                if (messages.Length == 0)
                {
                    await Task.Delay(pollDelay, stoppingToken);
                    pollDelay = Longer(pollDelay);
                    continue;
                }

                pollDelay = MinPollingInterval;
                foreach (var message in messages)
                {
                    Track(ProcessAsync(message, stoppingToken));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Storage down, or anything else: the Functions host keeps its listener alive too, and backs off.
                LogPollFailed(logger, binding.Queue, pollDelay, StorageFaults.IsUnavailable(ex), ex);
                try
                {
                    await Task.Delay(pollDelay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                pollDelay = Longer(pollDelay);
            }
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

    // Never throws: a fault here must not reach the process (a faulted task is also kept out of the in-flight set's
    // continuation, which only counts completions).
    private async Task ProcessAsync(QueueMessage message, CancellationToken stoppingToken)
    {
        try
        {
            if (!QueueMessageBody.TryDecode(message, settings.MessageEncoding, out var body))
            {
                LogUndecodable(logger, message.MessageId, message.DequeueCount, binding.PoisonQueue);
                await MoveToPoisonAsync(message, message.PopReceipt);
                return;
            }

            if (message.DequeueCount > settings.MaxDequeueCount)
            {
                // Already over the limit (a previous run crashed mid-message): poison it without another try.
                await MoveToPoisonAsync(message, message.PopReceipt);
                return;
            }

            LogExecuting(logger, binding.FunctionName, message.MessageId, message.DequeueCount, message.InsertedOn);
            await using var lease = QueueMessageLease.Start(_queue, message, _lease, logger);
            try
            {
                await binding.Handle(body, message.DequeueCount, stoppingToken);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // Shutting down mid-job: make it visible again now, so that the next start takes it up at once.
                await lease.ReleaseAsync(TimeSpan.Zero);
                return;
            }
            catch (Exception ex)
            {
                LogFailed(logger, binding.FunctionName, message.MessageId, message.DequeueCount, ex);
                await ReleaseOrPoisonAsync(message, lease);
                return;
            }

            await lease.CompleteAsync();
        }
        catch (Exception ex)
        {
            // Storage failed while poisoning, or a fault we did not foresee: the message's lease runs out and it comes back.
            LogListenerFault(logger, message.MessageId, ex);
        }
    }

    private async Task ReleaseOrPoisonAsync(QueueMessage message, QueueMessageLease lease)
    {
        if (message.DequeueCount < settings.MaxDequeueCount)
        {
            await lease.ReleaseAsync(settings.VisibilityTimeout);
            return;
        }

        await lease.StopRenewingAsync();
        if (!lease.IsLost)
        {
            await MoveToPoisonAsync(message, lease.PopReceipt);
        }
    }

    // The stored text is copied as it is, as the Functions host does: the poison queue gets exactly what outbound had.
    private async Task MoveToPoisonAsync(QueueMessage message, string popReceipt)
    {
        var text = message.MessageText ?? string.Empty;
        try
        {
            await _poison.SendMessageAsync(text, CancellationToken.None);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Someone deleted the poison queue (Azurite starts empty too): the Functions host creates it when it needs it.
            await _poison.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            await _poison.SendMessageAsync(text, CancellationToken.None);
        }

        await _queue.DeleteMessageAsync(message.MessageId, popReceipt, CancellationToken.None);
        LogPoisoned(logger, message.MessageId, binding.PoisonQueue, message.DequeueCount);
    }

    private TimeSpan Longer(TimeSpan delay) => TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.MaxPollingInterval.Ticks));

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

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Queue listener on {Queue}: batchSize {BatchSize}, newBatchThreshold {NewBatchThreshold}, maxPollingInterval {MaxPollingInterval}, visibilityTimeout {VisibilityTimeout}, maxDequeueCount {MaxDequeueCount}, lease {Lease}")]
    private static partial void LogStarted(ILogger logger, string queue, int batchSize, int newBatchThreshold, TimeSpan maxPollingInterval, TimeSpan visibilityTimeout, int maxDequeueCount, TimeSpan lease);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Polling {Queue} failed (storage unavailable: {StorageUnavailable}); polling again in {Delay}")]
    private static partial void LogPollFailed(ILogger logger, string queue, TimeSpan delay, bool storageUnavailable, Exception exception);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "{FunctionName} failed for queue message {QueueMessageId} (dequeue {DequeueCount})")]
    private static partial void LogFailed(ILogger logger, string functionName, string queueMessageId, long dequeueCount, Exception exception);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "Moved queue message {QueueMessageId} to {PoisonQueue} after {DequeueCount} attempts")]
    private static partial void LogPoisoned(ILogger logger, string queueMessageId, string poisonQueue, long dequeueCount);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Error, Message = "Queue message {QueueMessageId} (dequeue {DequeueCount}) is not valid Base64; moving it to {PoisonQueue}")]
    private static partial void LogUndecodable(ILogger logger, string queueMessageId, long dequeueCount, string poisonQueue);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Debug, Message = "Executing {FunctionName} for queue message {QueueMessageId} (dequeue {DequeueCount}, inserted {InsertedOn})")]
    private static partial void LogExecuting(ILogger logger, string functionName, string queueMessageId, long dequeueCount, DateTimeOffset? insertedOn);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Error, Message = "Queue listener could not finish with queue message {QueueMessageId}; it comes back when its lease runs out")]
    private static partial void LogListenerFault(ILogger logger, string queueMessageId, Exception exception);
}
