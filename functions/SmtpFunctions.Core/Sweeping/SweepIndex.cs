using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Core.Sweeping;

/// <summary>
/// The due-time index the sweeper reads: table <c>schedule</c>, one row per message that is not known to be finished,
/// PartitionKey = the UTC minute it is due and a shard (<c>yyyyMMddHHmm-ss</c>), RowKey = the message id.
/// </summary>
/// <remarks>
/// Keys sort by due time, so every due row is in one range query (<c>PartitionKey lt</c> the next minute) that returns
/// only what is due: deferred messages due days later cost nothing until then. The shard spreads one minute's submissions
/// over <c>Sweeper:IndexShards</c> partitions, since all of them write into the same minute.
/// </remarks>
public sealed class SweepIndex
{
    private const string MinuteFormat = "yyyyMMddHHmm";
    private const int PageSize = 1000;
    private const int MaxBatch = 100;
    private readonly TableClient _table;
    private readonly SweeperOptions _options;
    private readonly List<Filing> _toFile = [];
    private bool _filingUnderWay;

    /// <summary>Binds to the <c>schedule</c> table.</summary>
    public SweepIndex(StorageAccount account, IOptions<SweeperOptions> options)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(options);
        _table = account.Tables.GetTableClient(StorageNames.ScheduleTable);
        _options = options.Value;
    }

    /// <summary>The underlying client (tests read and clear it).</summary>
    public TableClient Table => _table;

    /// <summary>
    /// Files a message at submission, due <c>Sweeper:FirstCheckDelay</c> later. An upsert: two attempts with the same
    /// idempotency key file the same row, whichever commits. Completes when the row is stored.
    /// </summary>
    /// <remarks>
    /// Submissions that file at the same time share a request (group commit): the rows waiting while one transaction is
    /// under way go together in the next, up to 100 of one partition (minute and shard). Idle, a row goes out at once,
    /// alone; under load the index costs a fraction of a request per message (more so with fewer
    /// <c>Sweeper:IndexShards</c>). A failed transaction fails every submission in it, as a failed upsert did.
    /// </remarks>
    public async Task AddAsync(string messageId, DateTimeOffset submittedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        var filing = new Filing(Row(messageId, submittedAt + _options.FirstCheckDelay, submittedAt, 0));
        bool lead;
        lock (_toFile)
        {
            _toFile.Add(filing);
            lead = !_filingUnderWay;
            _filingUnderWay = true;
        }

        if (lead)
        {
            // Not awaited: the batches it sends serve every waiting submission, each of which waits for its own row.
            _ = FileWaitingAsync();
        }

        await filing.Stored.Task.WaitAsync(cancellationToken);
    }

    private async Task FileWaitingAsync()
    {
        while (true)
        {
            List<Filing> batch;
            lock (_toFile)
            {
                if (_toFile.Count == 0)
                {
                    _filingUnderWay = false;
                    return;
                }

                // One partition per transaction, each row in its own: a message's row is where BucketFor puts it, so
                // two submissions with one idempotency key file one row, never two in different shards.
                var partition = _toFile[0].Row.PartitionKey;
                batch = _toFile.Where(f => f.Row.PartitionKey == partition).Take(MaxBatch).ToList();
                _toFile.RemoveAll(batch.Contains);
            }

            var rows = batch.GroupBy(f => f.Row.RowKey, StringComparer.Ordinal).Select(g => g.First().Row).ToList();

            try
            {
                if (rows.Count == 1)
                {
                    await _table.UpsertEntityAsync(rows[0], TableUpdateMode.Replace, CancellationToken.None);
                }
                else
                {
                    await _table.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)), CancellationToken.None);
                }

                batch.ForEach(f => f.Stored.TrySetResult());
            }
            catch (Exception ex)
            {
                batch.ForEach(f => f.Stored.TrySetException(ex));
            }
        }
    }

    /// <summary>A row waiting to be filed, and who waits for it.</summary>
    private sealed record Filing(SweepIndexEntity Row)
    {
        public TaskCompletionSource Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The rows due by <paramref name="now"/>'s minute, earliest first, at most <paramref name="max"/>.</summary>
    /// <remarks>Rows of the current minute not due yet come too (the caller skips them): the minute is the index's grain.</remarks>
    public async IAsyncEnumerable<SweepIndexEntity> DueAsync(DateTimeOffset now, int max, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var bound = Minute(now.UtcDateTime.AddMinutes(1));
        var filter = TableClient.CreateQueryFilter($"PartitionKey lt {bound}");
        var count = 0;
        await foreach (var row in _table.QueryAsync<SweepIndexEntity>(filter, PageSize, cancellationToken: cancellationToken))
        {
            yield return row;
            if (++count >= max)
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// Moves a row to its next due time: the new row first, then the old one deleted if nobody changed it since it was
    /// read, so the message is never out of the index. When two sweepers move the same row, the one whose delete loses
    /// takes its new row back; a new row already there (409) is someone else's, left alone.
    /// </summary>
    /// <param name="row">The row as read.</param>
    /// <param name="dueAt">Its next due time.</param>
    /// <param name="retention">The message is finished: the row waits for its retention to end, not for a next step.</param>
    /// <param name="cancellationToken">Cancels the requests.</param>
    /// <returns>False when another sweeper had moved the row first.</returns>
    public async Task<bool> MoveAsync(SweepIndexEntity row, DateTimeOffset dueAt, CancellationToken cancellationToken, bool retention = false)
    {
        ArgumentNullException.ThrowIfNull(row);
        var next = Row(row.RowKey, dueAt, row.SubmittedAt, row.Checks + 1);
        next.Retention = retention;
        if (next.PartitionKey == row.PartitionKey)
        {
            try
            {
                await _table.UpdateEntityAsync(next, row.ETag, TableUpdateMode.Replace, cancellationToken);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                return false;
            }
        }

        bool inserted;
        try
        {
            await _table.AddEntityAsync(next, cancellationToken);
            inserted = true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Filed there already: by a sweeper racing us, or by one that crashed between its insert and its delete.
            inserted = false;
        }

        if (await RemoveAsync(row, cancellationToken))
        {
            return true;
        }

        if (inserted)
        {
            await _table.DeleteEntityAsync(next.PartitionKey, next.RowKey, ETag.All, cancellationToken);
        }

        return false;
    }

    /// <summary>Deletes a row if nobody changed it since it was read; false when it had changed or was gone.</summary>
    public async Task<bool> RemoveAsync(SweepIndexEntity row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        try
        {
            await _table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>
    /// The PartitionKey for a message due at <paramref name="dueAt"/>: its UTC minute, a dash and a two-digit shard from
    /// a stable hash of the id (the same on every machine and run, unlike <see cref="string.GetHashCode()"/>).
    /// </summary>
    public static string BucketFor(DateTimeOffset dueAt, string messageId, int shards)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        var hash = 2166136261u;
        foreach (var c in messageId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        var shard = shards <= 1 ? 0 : hash % (uint)shards;
        return Minute(dueAt.UtcDateTime) + "-" + shard.ToString("00", CultureInfo.InvariantCulture);
    }

    private SweepIndexEntity Row(string messageId, DateTimeOffset dueAt, DateTimeOffset submittedAt, int checks) => new()
    {
        PartitionKey = BucketFor(dueAt, messageId, _options.IndexShards),
        RowKey = messageId,
        DueAt = dueAt,
        SubmittedAt = submittedAt,
        Checks = checks,
    };

    private static string Minute(DateTime utc) => utc.ToString(MinuteFormat, CultureInfo.InvariantCulture);
}
