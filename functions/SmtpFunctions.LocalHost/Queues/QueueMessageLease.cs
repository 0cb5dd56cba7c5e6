using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.LocalHost.Queues;

/// <summary>
/// The listener's hold on one received queue message: renews its invisibility every sixth of the lease while the job
/// runs (each renewal gives a new pop receipt), then deletes it, releases it or hands its receipt to the poison move.
/// </summary>
/// <remarks>
/// A short lease renewed often, instead of the Functions host's 10 minutes: a crashed host's messages come back within
/// one lease, and a long job still keeps its message. Renewals that fail because storage is unavailable are retried
/// every second until one succeeds, so an outage shorter than five sixths of the lease (25 s of the default 30 s) does
/// not let the message lapse (which would let our own next poll run the job a second time). A renewal refused because
/// the receipt no longer matches means someone else holds the message now: the lease is lost and nothing more is done
/// with it.
/// </remarks>
internal sealed partial class QueueMessageLease : IAsyncDisposable
{
    private const int RenewalsPerLease = 6;
    private static readonly TimeSpan RenewalRetry = TimeSpan.FromSeconds(1);

    private readonly QueueClient _queue;
    private readonly TimeSpan _duration;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private string _popReceipt;
    private Task _renewal = Task.CompletedTask;
    private volatile bool _lost;

    private QueueMessageLease(QueueClient queue, QueueMessage message, TimeSpan duration, ILogger logger)
    {
        _queue = queue;
        MessageId = message.MessageId;
        _popReceipt = message.PopReceipt;
        _duration = duration;
        _logger = logger;
    }

    /// <summary>The queue message's id.</summary>
    public string MessageId { get; }

    /// <summary>The receipt of the latest renewal (what delete and update need).</summary>
    public string PopReceipt
    {
        get
        {
            lock (_gate)
            {
                return _popReceipt;
            }
        }
    }

    /// <summary>True once storage said another receiver holds the message (or it is gone).</summary>
    public bool IsLost => _lost;

    /// <summary>Starts renewing the lease <paramref name="message"/> was received with.</summary>
    public static QueueMessageLease Start(QueueClient queue, QueueMessage message, TimeSpan duration, ILogger logger)
    {
        var lease = new QueueMessageLease(queue, message, duration, logger);
        lease._renewal = lease.RenewAsync();
        return lease;
    }

    /// <summary>
    /// Stops renewing. An update already sent is awaited, never cancelled: storage may apply it and issue a receipt that
    /// a cancelled call would never hear of, and the delete that follows would then fail on the old one.
    /// </summary>
    public async Task StopRenewingAsync()
    {
        await _stop.CancelAsync();
        await _renewal;
    }

    /// <summary>
    /// Deletes the message (the job is done), retrying while storage is unavailable for up to one lease; after that it
    /// is left to come back, and the job's second run finds its recipients final.
    /// </summary>
    public async Task CompleteAsync()
    {
        await StopRenewingAsync();
        var deadline = DateTimeOffset.UtcNow + _duration;
        var pause = RenewalRetry;
        while (!IsLost)
        {
            try
            {
                await _queue.DeleteMessageAsync(MessageId, PopReceipt, CancellationToken.None);
                return;
            }
            catch (RequestFailedException ex) when (IsHeldElsewhere(ex))
            {
                MarkLost();
            }
            catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
            {
                if (DateTimeOffset.UtcNow + pause > deadline)
                {
                    LogDeleteGaveUp(_logger, MessageId, ex);
                    return;
                }

                LogDeleteRetry(_logger, MessageId, pause, ex);
                await Task.Delay(pause);
                pause *= 2;
            }
        }
    }

    /// <summary>Makes the message visible again after <paramref name="delay"/> (host.json's visibilityTimeout after a failure).</summary>
    public async Task ReleaseAsync(TimeSpan delay)
    {
        await StopRenewingAsync();
        if (IsLost)
        {
            return;
        }

        try
        {
            await _queue.UpdateMessageAsync(MessageId, PopReceipt, visibilityTimeout: delay, cancellationToken: CancellationToken.None);
        }
        catch (RequestFailedException ex) when (IsHeldElsewhere(ex))
        {
            MarkLost();
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
        {
            // The lease runs out on its own; the message comes back then, with a higher dequeue count.
            LogReleaseFailed(_logger, MessageId, ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopRenewingAsync();
        _stop.Dispose();
    }

    /// <summary>True when storage refused the receipt: the message was received again by someone, or deleted.</summary>
    internal static bool IsHeldElsewhere(RequestFailedException exception) =>
        exception.Status == 404 || (exception.Status == 400 && exception.ErrorCode == "PopReceiptMismatch");

    private async Task RenewAsync()
    {
        var interval = _duration / RenewalsPerLease;
        var wait = interval;
        while (true)
        {
            try
            {
                await Task.Delay(wait, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                var updated = await _queue.UpdateMessageAsync(MessageId, PopReceipt, visibilityTimeout: _duration, cancellationToken: CancellationToken.None);
                lock (_gate)
                {
                    _popReceipt = updated.Value.PopReceipt;
                }

                wait = interval;
            }
            catch (RequestFailedException ex) when (IsHeldElsewhere(ex))
            {
                MarkLost();
                return;
            }
            catch (Exception ex)
            {
                // Storage unavailable (or a fault we do not know): keep the lease alive by trying again soon.
                LogRenewalFailed(_logger, MessageId, RenewalRetry, ex);
                wait = RenewalRetry;
            }
        }
    }

    private void MarkLost()
    {
        _lost = true;
        LogLost(_logger, MessageId);
    }

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Could not release queue message {QueueMessageId}; it becomes visible when its lease runs out")]
    private static partial void LogReleaseFailed(ILogger logger, string queueMessageId, Exception exception);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "Could not renew the lease of queue message {QueueMessageId}; trying again in {Retry}")]
    private static partial void LogRenewalFailed(ILogger logger, string queueMessageId, TimeSpan retry, Exception exception);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "Lost the lease of queue message {QueueMessageId}: it was received again or deleted; leaving it to its new holder")]
    private static partial void LogLost(ILogger logger, string queueMessageId);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Warning, Message = "Could not delete queue message {QueueMessageId}; trying again in {Retry}")]
    private static partial void LogDeleteRetry(ILogger logger, string queueMessageId, TimeSpan retry, Exception exception);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Error, Message = "Gave up deleting queue message {QueueMessageId}; it comes back when its lease runs out and runs again")]
    private static partial void LogDeleteGaveUp(ILogger logger, string queueMessageId, Exception exception);
}
