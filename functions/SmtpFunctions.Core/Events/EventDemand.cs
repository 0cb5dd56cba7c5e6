using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Core.Events;

/// <summary>
/// Whether anyone can take events: an Event Grid topic, or a webhook subscription in any tenant. When nobody can, the
/// publisher writes no intents and queues nothing, so a deployment that does not use events pays no storage request for
/// them.
/// </summary>
/// <remarks>
/// Adding the first subscription writes a marker row (<c>$events</c>/<c>subscribers</c>) in the <c>messages</c> table,
/// which both hosts can read: the SMTP ingress may not read <c>webhooks</c>, whose rows hold the signing secrets. The
/// marker is never removed (a subscription deleted later may be followed by another; events are then simply written).
/// The answer is cached for <c>Events:SubscriptionCacheTtl</c> and refreshed in the background by one point read, so the
/// delivery path never waits on it. It starts as "wanted" and stays so when the read fails: in doubt, events are written.
/// A subscription added on this instance counts at once; one added elsewhere within the TTL, so a new subscription gets
/// the events of state changes from at most that long after its creation.
/// </remarks>
public sealed partial class EventDemand(StorageAccount account, EventGridSender eventGrid, TimeProvider time, IOptions<EventsOptions> options, ILogger<EventDemand> logger)
{
    /// <summary>The marker's PartitionKey: no message id (base32) starts with '$'.</summary>
    public const string MarkerPartition = "$events";

    /// <summary>The marker's RowKey.</summary>
    public const string MarkerRow = "subscribers";

    // The main account's messages table: the marker belongs to no message, so no shard's account (ShardAccounts) holds it.
    private readonly TableClient _messages = account.Tables.GetTableClient(StorageNames.MessagesTable);
    private readonly TimeSpan _ttl = options.Value.SubscriptionCacheTtl;
    private readonly bool _always = !options.Value.SkipWithoutSubscribers;
    private volatile bool _wanted = true;
    private long _checkedAtTicks = long.MinValue;
    private int _refreshing;
    private long _raises;

    /// <summary>Whether events should be written now. Never blocks: a stale answer starts a refresh and is used meanwhile.</summary>
    public bool Wanted
    {
        get
        {
            if (_always || eventGrid.Enabled)
            {
                return true;
            }

            var checkedAt = Interlocked.Read(ref _checkedAtTicks);
            if ((checkedAt == long.MinValue || time.GetUtcNow().UtcTicks - checkedAt >= _ttl.Ticks) && Interlocked.CompareExchange(ref _refreshing, 1, 0) == 0)
            {
                _ = RefreshAsync();
            }

            return _wanted;
        }
    }

    /// <summary>A subscription is about to be added on this instance: events are wanted from now on, here and (marker) everywhere.</summary>
    public async Task RaiseAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _raises);
        _wanted = true;
        await _messages.UpsertEntityAsync(new TableEntity(MarkerPartition, MarkerRow), TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Reads whether any subscription exists; what <see cref="Wanted"/> starts in the background.</summary>
    public async Task RefreshAsync()
    {
        try
        {
            var raises = Interlocked.Read(ref _raises);
            var any = (await _messages.GetEntityIfExistsAsync<TableEntity>(MarkerPartition, MarkerRow, select: [nameof(TableEntity.RowKey)])).HasValue;

            // A subscription added while the query ran wins over its answer.
            if (Interlocked.Read(ref _raises) == raises)
            {
                if (_wanted != any)
                {
                    LogChanged(logger, any);
                }

                _wanted = any;
            }

            Interlocked.Exchange(ref _checkedAtTicks, time.GetUtcNow().UtcTicks);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException || StorageFaults.IsUnavailable(ex))
        {
            _wanted = true;
            // Tried again after the TTL, not on the next state change: during an outage the hot path starts no read.
            Interlocked.Exchange(ref _checkedAtTicks, time.GetUtcNow().UtcTicks);
            LogRefreshFailed(logger, ex.Message);
        }
        finally
        {
            Interlocked.Exchange(ref _refreshing, 0);
        }
    }

    [LoggerMessage(EventId = 9415, Level = LogLevel.Information, Message = "Events wanted: {Wanted} (any webhook subscription or an Event Grid topic)")]
    private static partial void LogChanged(ILogger logger, bool wanted);

    [LoggerMessage(EventId = 9416, Level = LogLevel.Warning, Message = "Could not read whether any webhook subscription exists; events are written meanwhile: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, string reason);
}
