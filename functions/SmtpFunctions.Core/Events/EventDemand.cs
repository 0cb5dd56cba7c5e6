using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Core.Events;

/// <summary>
/// Whether anyone can take events: an Event Grid topic, or at least one webhook subscription (enabled or not: a disabled
/// one keeps its events for replay) in any tenant. When nobody can, the publisher writes no intents and queues nothing,
/// so a deployment that does not use events pays no storage request for them.
/// </summary>
/// <remarks>
/// The answer is cached for <c>Events:SubscriptionCacheTtl</c> and refreshed in the background by one query that reads
/// at most one row, so the delivery path never waits on it. It starts as "wanted" and stays so when the query fails: in
/// doubt, events are written. A subscription added on this instance counts at once; one added elsewhere within the TTL,
/// so a new subscription gets the events of state changes from at most that long after its creation.
/// </remarks>
public sealed partial class EventDemand(StorageAccount account, EventGridSender eventGrid, TimeProvider time, IOptions<EventsOptions> options, ILogger<EventDemand> logger)
{
    private readonly TableClient _subscriptions = account.Tables.GetTableClient(StorageNames.WebhooksTable);
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

    /// <summary>A subscription was just added on this instance: events are wanted from now on.</summary>
    public void Raise()
    {
        Interlocked.Increment(ref _raises);
        _wanted = true;
    }

    /// <summary>Reads whether any subscription exists; what <see cref="Wanted"/> starts in the background.</summary>
    public async Task RefreshAsync()
    {
        try
        {
            var raises = Interlocked.Read(ref _raises);
            var any = false;
            await foreach (var page in _subscriptions.QueryAsync<TableEntity>(filter: (string?)null, maxPerPage: 1, select: [nameof(TableEntity.RowKey)]).AsPages())
            {
                any = page.Values.Count > 0;
                break;
            }

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
