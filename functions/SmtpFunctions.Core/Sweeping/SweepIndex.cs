using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Core.Sweeping;

/// <summary>
/// The due-time index the sweeper reads, in two parts. A message is filed at submission by a blob index tag on its MIME
/// (<c>sweep</c> = due time and submission time), set by the blob's own upload: filing costs the submission no request.
/// At its first look the sweeper moves it to table <c>schedule</c>, one row per message that is not known to be
/// finished, PartitionKey = the UTC minute it is due and a shard (<c>yyyyMMddHHmm-ss</c>), RowKey = the message id,
/// and clears the tag.
/// </summary>
/// <remarks>
/// Both parts sort by due time, so every due entry is in one query each (<c>"sweep" &lt;</c> and <c>PartitionKey lt</c>
/// the next minute) that returns only what is due: deferred messages due days later cost nothing until then. The tags
/// hold only messages submitted in the last <c>Sweeper:FirstCheckDelay</c> or so (tags are billed per tag and month,
/// table rows by size): a retained message is a table row. The shard spreads one minute's rows over
/// <c>Sweeper:IndexShards</c> partitions. The blob index is eventually consistent, so a tag cleared a moment ago can still
/// be found: the sweeper then files the message again, a second row that is moved and purged like the first.
/// </remarks>
public sealed class SweepIndex
{
    /// <summary>The blob index tag that files a message at submission.</summary>
    public const string FilingTag = "sweep";

    private const string MinuteFormat = "yyyyMMddHHmm";
    private const string InstantFormat = "yyyyMMddHHmmssfffffff";
    private const int PageSize = 1000;
    private const int MaxBatch = 100;
    private readonly TableClient _table;
    private readonly MessageBlobs _messageBlobs;
    private readonly IReadOnlyList<BlobContainerClient> _allBlobs;
    private readonly SweeperOptions _options;
    private readonly List<Filing> _toFile = [];
    private bool _filingUnderWay;

    /// <summary>
    /// Binds to the <c>schedule</c> table (main account) and the <c>messages</c> container of every account: a first filing
    /// is a tag on its blob, in its message's shard's account (<see cref="ShardAccounts"/>).
    /// </summary>
    public SweepIndex(ShardAccounts accounts, MessageBlobs blobs, IOptions<SweeperOptions> options)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(options);
        _table = accounts.Main.Tables.GetTableClient(StorageNames.ScheduleTable);
        _messageBlobs = blobs;
        _allBlobs = accounts.PerAccount(a => a.Blobs.GetBlobContainerClient(StorageNames.MessagesContainer));
        _options = options.Value;
    }

    /// <summary>The underlying client (tests read and clear it).</summary>
    public TableClient Table => _table;

    /// <summary>
    /// The blob index tags that file a message submitted at <paramref name="submittedAt"/>, due
    /// <c>Sweeper:FirstCheckDelay</c> later: its MIME's upload sets them.
    /// </summary>
    public IDictionary<string, string> FilingTags(DateTimeOffset submittedAt) => FilingTagsFor(submittedAt + _options.FirstCheckDelay, submittedAt);

    /// <summary>The blob index tags that file a message submitted at <paramref name="submittedAt"/>, due at <paramref name="dueAt"/>.</summary>
    public static IDictionary<string, string> FilingTagsFor(DateTimeOffset dueAt, DateTimeOffset submittedAt) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // Due time first: values compare as strings, so "sweep" < the next minute finds exactly what is due. Digits and a
        // dot only, which blob index tags allow.
        [FilingTag] = Instant(dueAt) + "." + Instant(submittedAt),
    };

    /// <summary>
    /// Files a table row for <paramref name="messageId"/>, due at <paramref name="dueAt"/>. An upsert, completed when the
    /// row is stored.
    /// </summary>
    /// <remarks>
    /// Rows filed at the same time share a request (group commit): the rows waiting while one transaction is under way go
    /// together in the next, up to 100 of one partition (minute and shard). Alone, a row goes out at once; a sweep that
    /// moves many first filings sends a fraction of a request per message. A failed transaction fails every row in it.
    /// </remarks>
    public async Task FileAsync(string messageId, DateTimeOffset dueAt, DateTimeOffset submittedAt, CancellationToken cancellationToken, int checks = 0, bool retention = false)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        var filing = new Filing(Row(messageId, dueAt, submittedAt, checks, retention));
        bool lead;
        lock (_toFile)
        {
            _toFile.Add(filing);
            lead = !_filingUnderWay;
            _filingUnderWay = true;
        }

        if (lead)
        {
            // Not awaited: the batches it sends serve every waiting caller, each of which waits for its own row.
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

                // One partition per transaction, each row in its own: a transaction may not name a row twice.
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

    /// <summary>
    /// The entries due by <paramref name="now"/>'s minute, at most <paramref name="max"/>: table rows earliest first, then
    /// first filings (<see cref="SweepIndexEntity.BlobName"/> set).
    /// </summary>
    /// <remarks>Entries of the current minute not due yet come too (the caller skips them): the minute is the index's grain.</remarks>
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

        // Every account's tag index in turn (each account that holds shards has one): the budget is shared, so filings
        // that fill it leave the next account's for the next sweep, as the table rows do.
        foreach (var blobs in _allBlobs)
        {
            await foreach (var filed in blobs.FindBlobsByTagsAsync($"\"{FilingTag}\" < '{bound}'", cancellationToken))
            {
                if (FromTag(filed.BlobName, filed.Tags) is not { } row)
                {
                    continue;
                }

                yield return row;
                if (++count >= max)
                {
                    yield break;
                }
            }
        }
    }

    /// <summary>Every entry of <paramref name="messageId"/>, table rows and first filings (tests and diagnostics).</summary>
    public async Task<List<SweepIndexEntity>> EntriesOfAsync(string messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        var entries = new List<SweepIndexEntity>();
        await foreach (var row in _table.QueryAsync<SweepIndexEntity>(r => r.RowKey == messageId, cancellationToken: cancellationToken))
        {
            entries.Add(row);
        }

        await foreach (var blob in _messageBlobs.ContainerFor(messageId).GetBlobsAsync(BlobTraits.Tags, BlobStates.None, messageId + "/", cancellationToken))
        {
            if (FromTag(blob.Name, blob.Tags) is { } filed)
            {
                entries.Add(filed);
            }
        }

        return entries;
    }

    /// <summary>Empties the index: every table row deleted, every first filing's tag cleared (tests).</summary>
    public async Task ClearAsync(CancellationToken cancellationToken)
    {
        await foreach (var row in _table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await _table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
        }

        foreach (var blobs in _allBlobs)
        {
            await foreach (var filed in blobs.FindBlobsByTagsAsync($"\"{FilingTag}\" > ''", cancellationToken))
            {
                await ClearTagAsync(filed.BlobName, cancellationToken);
            }
        }
    }

    // A first filing as the sweeper handles it; null for a tag this code did not write.
    private static SweepIndexEntity? FromTag(string blobName, IDictionary<string, string>? tags)
    {
        if (tags is null || !tags.TryGetValue(FilingTag, out var value))
        {
            return null;
        }

        var parts = value.Split('.');
        var slash = blobName.IndexOf('/', StringComparison.Ordinal);
        if (parts.Length != 2 || slash <= 0 || !TryInstant(parts[0], out var dueAt) || !TryInstant(parts[1], out var submittedAt))
        {
            return null;
        }

        return new SweepIndexEntity { RowKey = blobName[..slash], DueAt = dueAt, SubmittedAt = submittedAt, BlobName = blobName };
    }

    private async Task ClearTagAsync(string blobName, CancellationToken cancellationToken)
    {
        try
        {
            await _messageBlobs.BlobFor(blobName).SetTagsAsync(new Dictionary<string, string>(), cancellationToken: cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Gone already (an orphan deleted by another sweeper): nothing left to clear.
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
    /// <remarks>
    /// A first filing moves into the table: its row is filed (group-committed with the others of the sweep), then its tag
    /// cleared. Two sweepers moving it at once file two rows, both looked at and purged in their turn.
    /// </remarks>
    public async Task<bool> MoveAsync(SweepIndexEntity row, DateTimeOffset dueAt, CancellationToken cancellationToken, bool retention = false)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.BlobName is { } blobName)
        {
            await FileAsync(row.RowKey, dueAt, row.SubmittedAt, cancellationToken, row.Checks + 1, retention);
            await ClearTagAsync(blobName, cancellationToken);
            return true;
        }

        var next = Row(row.RowKey, dueAt, row.SubmittedAt, row.Checks + 1, retention);
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

    /// <summary>
    /// Looks at a message that has not committed (yet) again at <paramref name="dueAt"/>: a first filing stays a tag on its
    /// blob, which is all there is of it, so that the blob goes when the entry does; a table row moves.
    /// </summary>
    public async Task<bool> PostponeAsync(SweepIndexEntity row, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.BlobName is not { } blobName)
        {
            return await MoveAsync(row, dueAt, cancellationToken);
        }

        try
        {
            await _messageBlobs.BlobFor(blobName).SetTagsAsync(FilingTagsFor(dueAt, row.SubmittedAt), cancellationToken: cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <summary>
    /// Deletes a row if nobody changed it since it was read; false when it had changed or was gone. A first filing is
    /// removed with its blob: only a blob that is not its message's MIME is removed (an orphan).
    /// </summary>
    public async Task<bool> RemoveAsync(SweepIndexEntity row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.BlobName is { } blobName)
        {
            return (await _messageBlobs.BlobFor(blobName).DeleteIfExistsAsync(cancellationToken: cancellationToken)).Value;
        }

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

    private SweepIndexEntity Row(string messageId, DateTimeOffset dueAt, DateTimeOffset submittedAt, int checks, bool retention) => new()
    {
        PartitionKey = BucketFor(dueAt, messageId, _options.IndexShards),
        RowKey = messageId,
        DueAt = dueAt,
        SubmittedAt = submittedAt,
        Checks = checks,
        Retention = retention,
    };

    private static string Minute(DateTime utc) => utc.ToString(MinuteFormat, CultureInfo.InvariantCulture);

    private static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString(InstantFormat, CultureInfo.InvariantCulture);

    private static bool TryInstant(string text, out DateTimeOffset at)
    {
        var parsed = DateTime.TryParseExact(text, InstantFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc);
        at = parsed ? new DateTimeOffset(utc, TimeSpan.Zero) : default;
        return parsed;
    }
}
