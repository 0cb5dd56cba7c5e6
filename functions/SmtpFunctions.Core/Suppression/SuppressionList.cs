using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Telemetry;

namespace SmtpFunctions.Core.Suppression;

/// <summary>
/// The suppression lists as submission and delivery use them: which of these addresses are suppressed for a tenant (on
/// its own list or the operator's global one), record a new entry, add or lift one by hand.
/// </summary>
/// <remarks>
/// <para>
/// Cost: nothing at all when <see cref="SuppressionOptions.Enabled"/> is off. Otherwise, for an address of the tenant's
/// list not in the per-instance cache, one partition query for its whole domain on that list when the domain has at most
/// <see cref="SuppressionOptions.DomainSnapshotSize"/> entries (held: the domain's later new addresses cost nothing), else
/// one point read per distinct address; all in parallel, so a submission waits for one table round trip at most (and
/// submission overlaps it with the blob upload). Both answers are cached for
/// <see cref="SuppressionOptions.CacheTtl"/>: an entry added or lifted by another instance is seen here within that
/// time; changes made here are seen at once.
/// </para>
/// <para>
/// The global list is usually small (the operator's own addresses, complainers across all tenants), so each instance
/// holds all of it, read with one range query and read again in the background once it is older than the TTL: checking
/// it costs no request on the hot path. A global list larger than <see cref="SuppressionOptions.GlobalSnapshotSize"/>
/// is looked up like a tenant's instead, a point read per address.
/// </para>
/// </remarks>
public sealed partial class SuppressionList : IDisposable
{
    // A cached "not suppressed" answer (MemoryCache cannot hold null).
    private static readonly object NotSuppressed = new();

    // A cached "this domain has too many entries to hold".
    private static readonly object TooLarge = new();

    private readonly ISuppressionStore _store;
    private readonly SuppressionOptions _options;
    private readonly MailMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<SuppressionList> _logger;
    private readonly MemoryCache? _cache;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _globalLock = new();
    private GlobalSnapshot? _global;
    private Task<GlobalSnapshot>? _globalLoad;
    private long _globalGeneration;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<DomainSnapshot?>> _domainLoads = new(StringComparer.Ordinal);
    private long _domainGeneration;

    /// <summary>Creates the list and its cache.</summary>
    public SuppressionList(ISuppressionStore store, IOptions<SuppressionOptions> options, MailMetrics metrics, TimeProvider time, ILogger<SuppressionList> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        if (_options.Enabled && _options.CacheTtl > TimeSpan.Zero)
        {
            _cache = new MemoryCache(new MemoryCacheOptions
            {
                SizeLimit = _options.CacheSize,
                Clock = new TimeProviderClock(time),
                ExpirationScanFrequency = _options.CacheTtl,
            });
        }
    }

    /// <summary>True when the list is consulted and fed (<see cref="SuppressionOptions.Enabled"/>).</summary>
    public bool Enabled => _options.Enabled;

    /// <summary>
    /// The suppressed ones among <paramref name="addresses"/> (envelope form) for mail on <paramref name="list"/> (a tenant's,
    /// <see cref="SuppressionLists.For"/>), keyed by the address as given (case-insensitive): the tenant's own entry when
    /// it has one, else the global list's. Empty, without any read, when the lists are off.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, SuppressionEntity>> FindAsync(string list, IEnumerable<string> addresses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(addresses);
        var found = new Dictionary<string, SuppressionEntity>(StringComparer.OrdinalIgnoreCase);
        if (!_options.Enabled)
        {
            return found;
        }

        var distinct = addresses.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var global = GlobalAsync(cancellationToken);
        var keys = distinct.Select(a => SuppressionKey.ForEnvelope(a, list)).ToList();
        var snapshot = await global;
        if (snapshot.Entries is null)
        {
            keys.AddRange(distinct.Select(a => SuppressionKey.ForEnvelope(a, SuppressionLists.Global)));
        }

        var entries = await LookUpAsync(keys, cancellationToken);
        for (var i = 0; i < distinct.Count; i++)
        {
            var entry = entries[i]
                ?? (snapshot.Entries is { } all ? all.GetValueOrDefault(keys[i].Address) : entries[distinct.Count + i]);
            if (entry is not null)
            {
                found[distinct[i]] = entry;
            }
        }

        return found;
    }

    /// <summary>
    /// The entry for <paramref name="key"/>'s address that applies to mail on <paramref name="key"/>'s list: its own, else
    /// the global list's; null when neither has one. Reads the table (no cache): for the API, which must show what is there now.
    /// </summary>
    public async Task<SuppressionEntity?> GetAsync(SuppressionKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var reads = await Task.WhenAll(_store.GetAsync(key, cancellationToken),
            key.List == SuppressionLists.Global ? Task.FromResult<SuppressionEntity?>(null) : _store.GetAsync(key.In(SuppressionLists.Global), cancellationToken));
        return reads[0] ?? reads[1];
    }

    /// <summary>
    /// Suppresses <paramref name="address"/> on <paramref name="list"/> because delivery of <paramref name="messageId"/>
    /// failed with <paramref name="reply"/> (which <see cref="FailureClassifier.Suppresses"/>); nothing when the lists are
    /// off. An address already on the list keeps its first entry.
    /// </summary>
    public async Task AddAsync(string list, string address, DeliveryReply reply, string messageId, string? mxHost, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (!_options.Enabled)
        {
            return;
        }

        var key = SuppressionKey.ForEnvelope(address, list);
        var entry = NewEntry(key, address);
        entry.ReplyCode = reply.Code;
        entry.EnhancedCode = reply.EnhancedCode;
        entry.Text = reply.Text;
        entry.MessageId = messageId;
        entry.MxHost = mxHost;
        if (await AddAsync(entry, key, cancellationToken) is null)
        {
            _metrics.SuppressionAdds.Add(1, new KeyValuePair<string, object?>("code", reply.EnhancedCode));
            LogAdded(_logger, address, list, reply.ToString());
        }
    }

    /// <summary>
    /// Suppresses <paramref name="key"/>'s address by hand (<paramref name="addedBy"/>: <see cref="SuppressionSources"/>),
    /// with a person's <paramref name="reason"/>. Returns the entry and whether it is new; an address already on the list
    /// keeps its first entry, which is returned.
    /// </summary>
    public async Task<(SuppressionEntity Entry, bool Created)> AddManuallyAsync(SuppressionKey key, string addedBy, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var entry = NewEntry(key, key.Address);
        entry.AddedBy = addedBy;
        entry.Text = reason;
        var earlier = await AddAsync(entry, key, cancellationToken);
        if (earlier is null)
        {
            _metrics.SuppressionAdds.Add(1, new KeyValuePair<string, object?>("code", addedBy));
            LogAddedByHand(_logger, key.Address, key.List, addedBy);
        }

        return (earlier ?? entry, earlier is null);
    }

    /// <summary>Lifts the entry for <paramref name="key"/> (on its list only); false when there was none.</summary>
    public async Task<bool> LiftAsync(SuppressionKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var deleted = await _store.DeleteAsync(key, cancellationToken);
        Forget(key);
        if (deleted)
        {
            LogLifted(_logger, key.Address, key.List);
        }

        return deleted;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        _cache?.Dispose();
    }

    private SuppressionEntity NewEntry(SuppressionKey key, string address) => new()
    {
        PartitionKey = key.PartitionKey,
        RowKey = key.RowKey,
        Address = address,
        Domain = key.Domain,
        SuppressedAt = _time.GetUtcNow(),
    };

    // Null when added; the entry already there otherwise (read back, so that a caller sees the cause that stands).
    private async Task<SuppressionEntity?> AddAsync(SuppressionEntity entry, SuppressionKey key, CancellationToken cancellationToken)
    {
        var added = await _store.AddAsync(entry, cancellationToken);
        Forget(key);
        if (added)
        {
            Remember(key, entry);
            return null;
        }

        return await _store.GetAsync(key, cancellationToken) ?? entry;
    }

    private async Task<SuppressionEntity?[]> LookUpAsync(List<SuppressionKey> keys, CancellationToken cancellationToken)
    {
        var entries = new SuppressionEntity?[keys.Count];
        var misses = new List<int>();
        for (var i = 0; i < keys.Count; i++)
        {
            if (_cache is not null && _cache.TryGetValue(CacheKey(keys[i]), out var cached))
            {
                entries[i] = cached as SuppressionEntity;
            }
            else
            {
                misses.Add(i);
            }
        }

        if (misses.Count > 0 && _cache is not null && _options.DomainSnapshotSize > 0)
        {
            // A small domain of a tenant's list is read whole: its next new address costs no read.
            var partitions = misses.Select(i => keys[i]).Where(k => k.List != SuppressionLists.Global)
                .Select(k => (k.List, k.Domain)).Distinct().ToList();
            var snapshots = await Task.WhenAll(partitions.Select(p => DomainSnapshotAsync(p.List, p.Domain, cancellationToken)));
            var whole = new Dictionary<string, DomainSnapshot>(StringComparer.Ordinal);
            foreach (var snapshot in snapshots.OfType<DomainSnapshot>())
            {
                whole[snapshot.PartitionKey] = snapshot;
            }

            foreach (var i in misses.Where(i => whole.ContainsKey(keys[i].PartitionKey)))
            {
                entries[i] = whole[keys[i].PartitionKey].Entries.GetValueOrDefault(keys[i].Address);
            }

            misses.RemoveAll(i => whole.ContainsKey(keys[i].PartitionKey));
        }

        if (misses.Count > 0)
        {
            var reads = await Task.WhenAll(misses.Select(i => _store.GetAsync(keys[i], cancellationToken)));
            for (var m = 0; m < misses.Count; m++)
            {
                Remember(keys[misses[m]], reads[m]);
                entries[misses[m]] = reads[m];
            }
        }

        return entries;
    }

    // A domain's entries on one list as one partition query found them, when there were few enough to hold; null when it
    // has more (then each address is read on its own). Queries of one partition at a time are shared.
    private async Task<DomainSnapshot?> DomainSnapshotAsync(string list, string domain, CancellationToken cancellationToken)
    {
        var partition = SuppressionLists.PartitionKeyFor(list, domain);
        if (_cache!.Get(DomainCacheKey(partition)) is { } cached)
        {
            return cached as DomainSnapshot;
        }

        var load = _domainLoads.GetOrAdd(partition, _ => LoadDomainAsync(list, domain, partition));
        try
        {
            return await load.WaitAsync(cancellationToken);
        }
        finally
        {
            _domainLoads.TryRemove(new KeyValuePair<string, Task<DomainSnapshot?>>(partition, load));
        }
    }

    private async Task<DomainSnapshot?> LoadDomainAsync(string list, string domain, string partition)
    {
        await Task.Yield();
        var generation = Interlocked.Read(ref _domainGeneration);
        var page = await _store.ListAsync(list, domain, _options.DomainSnapshotSize, null, _stopping.Token);
        object remembered = page.ContinuationToken is null
            ? new DomainSnapshot(partition, page.Entries.ToDictionary(e => SuppressionKey.ForEnvelope(e.Address).Address, StringComparer.Ordinal))
            : TooLarge;
        // An entry added or lifted here while the query ran may be missing from its answer: not remembered then.
        if (Interlocked.Read(ref _domainGeneration) == generation)
        {
            _cache!.Set(DomainCacheKey(partition), remembered, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _options.CacheTtl });
        }

        return remembered as DomainSnapshot;
    }

    // The global list as this instance holds it. The first call (and any after a change made here) waits for the read;
    // later ones are answered at once, and one that finds it older than the TTL starts a read in the background.
    private Task<GlobalSnapshot> GlobalAsync(CancellationToken cancellationToken)
    {
        if (_cache is null)
        {
            // No cache: every lookup reads the table, the global list as a point read per address.
            return Task.FromResult(GlobalSnapshot.TooLarge);
        }

        Task<GlobalSnapshot> load;
        lock (_globalLock)
        {
            if (_global is { } held && _time.GetUtcNow() - held.ReadAt < _options.CacheTtl)
            {
                return Task.FromResult(held);
            }

            _globalLoad ??= LoadGlobalAsync();
            load = _globalLoad;
            if (_global is { } stale)
            {
                return Task.FromResult(stale);
            }
        }

        return load.WaitAsync(cancellationToken);
    }

    private async Task<GlobalSnapshot> LoadGlobalAsync()
    {
        // Off the caller's cancellation: the read serves every caller waiting for it.
        await Task.Yield();
        var readAt = _time.GetUtcNow();
        var generation = Interlocked.Read(ref _globalGeneration);
        try
        {
            var entries = new Dictionary<string, SuppressionEntity>(StringComparer.Ordinal);
            string? continuation = null;
            do
            {
                var page = await _store.ListAsync(SuppressionLists.Global, null, SuppressionStore.MaxPageSize, continuation, _stopping.Token);
                foreach (var entry in page.Entries)
                {
                    entries[SuppressionKey.ForEnvelope(entry.Address).Address] = entry;
                }

                continuation = page.ContinuationToken;
            }
            while (continuation is not null && entries.Count <= _options.GlobalSnapshotSize);

            var snapshot = entries.Count > _options.GlobalSnapshotSize ? GlobalSnapshot.TooLarge with { ReadAt = readAt } : new GlobalSnapshot(entries, readAt);
            if (snapshot.Entries is null)
            {
                LogGlobalTooLarge(_logger, _options.GlobalSnapshotSize);
            }

            lock (_globalLock)
            {
                // A change made here while the read ran may be missing from it: the next call reads again.
                _global = generation == _globalGeneration ? snapshot : null;
                _globalLoad = null;
            }

            return snapshot;
        }
        catch (Exception ex)
        {
            lock (_globalLock)
            {
                _globalLoad = null;
                if (_global is { } stale)
                {
                    // Keep answering from what was read before, and try again after another TTL rather than on every call.
                    _global = stale with { ReadAt = readAt };
                    LogGlobalReadFailed(_logger, ex);
                    return _global;
                }
            }

            throw;
        }
    }

    private void Remember(SuppressionKey key, SuppressionEntity? entry) =>
        _cache?.Set(CacheKey(key), entry ?? NotSuppressed, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _options.CacheTtl });

    private void Forget(SuppressionKey key)
    {
        _cache?.Remove(CacheKey(key));
        Interlocked.Increment(ref _domainGeneration);
        _cache?.Remove(DomainCacheKey(key.PartitionKey));
        if (key.List == SuppressionLists.Global)
        {
            lock (_globalLock)
            {
                _global = null;
                _globalGeneration++;
            }
        }
    }

    private static string CacheKey(SuppressionKey key) => key.PartitionKey + "\n" + key.RowKey;

    // Addresses are cached under partition and row; a domain's snapshot under a key no address's can be (no newline).
    private static string DomainCacheKey(string partition) => "domain " + partition;

    // A small domain's entries on one list, keyed by SuppressionKey.Address.
    private sealed record DomainSnapshot(string PartitionKey, Dictionary<string, SuppressionEntity> Entries);

    // Entries: address (folded) to entry; null when the list is larger than the snapshot may be.
    private sealed record GlobalSnapshot(Dictionary<string, SuppressionEntity>? Entries, DateTimeOffset ReadAt)
    {
        public static readonly GlobalSnapshot TooLarge = new(null, DateTimeOffset.MinValue);
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Suppressed <{Recipient}> on list {List}: {Reply}")]
    private static partial void LogAdded(ILogger logger, string recipient, string list, string reply);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "Suppression of <{Recipient}> on list {List} lifted")]
    private static partial void LogLifted(ILogger logger, string recipient, string list);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Information, Message = "Suppressed <{Recipient}> on list {List}, added by {AddedBy}")]
    private static partial void LogAddedByHand(ILogger logger, string recipient, string list, string addedBy);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Warning,
        Message = "The global suppression list has more than {Limit} entries: it is looked up a point read per address instead of held whole")]
    private static partial void LogGlobalTooLarge(ILogger logger, int limit);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Warning, Message = "Reading the global suppression list failed; the copy read before is kept for another TTL")]
    private static partial void LogGlobalReadFailed(ILogger logger, Exception exception);
}
