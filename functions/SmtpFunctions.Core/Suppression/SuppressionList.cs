using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Telemetry;

namespace SmtpFunctions.Core.Suppression;

/// <summary>
/// The suppression list as submission and delivery use it: which of these addresses are suppressed (through a short
/// per-instance cache), record a new entry, lift one.
/// </summary>
/// <remarks>
/// Cost: nothing at all when <see cref="SuppressionOptions.Enabled"/> is off; otherwise one point read per distinct
/// address not in the cache, all in parallel, so a submission waits for one table round trip at most (and submission
/// overlaps it with the blob upload). Both answers are cached for <see cref="SuppressionOptions.CacheTtl"/>: an entry
/// added or lifted by another instance is seen here within that time; changes made here are seen at once.
/// </remarks>
public sealed partial class SuppressionList : IDisposable
{
    // A cached "not suppressed" answer (MemoryCache cannot hold null).
    private static readonly object NotSuppressed = new();

    private readonly ISuppressionStore _store;
    private readonly SuppressionOptions _options;
    private readonly MailMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<SuppressionList> _logger;
    private readonly MemoryCache? _cache;

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
    /// The suppressed ones among <paramref name="addresses"/> (envelope form), keyed by the address as given
    /// (case-insensitive). Empty, without any read, when the list is off.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, SuppressionEntity>> FindAsync(IEnumerable<string> addresses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var found = new Dictionary<string, SuppressionEntity>(StringComparer.OrdinalIgnoreCase);
        if (!_options.Enabled)
        {
            return found;
        }

        var misses = new List<(string Address, SuppressionKey Key)>();
        foreach (var address in addresses.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var key = SuppressionKey.ForEnvelope(address);
            if (_cache is not null && _cache.TryGetValue(key.Address, out var cached))
            {
                if (cached is SuppressionEntity entry)
                {
                    found[address] = entry;
                }
            }
            else
            {
                misses.Add((address, key));
            }
        }

        if (misses.Count > 0)
        {
            var reads = await Task.WhenAll(misses.Select(m => _store.GetAsync(m.Key, cancellationToken)));
            for (var i = 0; i < misses.Count; i++)
            {
                Remember(misses[i].Key, reads[i]);
                if (reads[i] is { } entry)
                {
                    found[misses[i].Address] = entry;
                }
            }
        }

        return found;
    }

    /// <summary>
    /// Suppresses <paramref name="address"/> because delivery of <paramref name="messageId"/> failed with
    /// <paramref name="reply"/> (which <see cref="FailureClassifier.Suppresses"/>); nothing when the list is off. An address
    /// already on the list keeps its first entry.
    /// </summary>
    public async Task AddAsync(string address, DeliveryReply reply, string messageId, string? mxHost, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (!_options.Enabled)
        {
            return;
        }

        var key = SuppressionKey.ForEnvelope(address);
        var entry = new SuppressionEntity
        {
            PartitionKey = key.Domain,
            RowKey = key.RowKey,
            Address = address,
            Domain = key.Domain,
            ReplyCode = reply.Code,
            EnhancedCode = reply.EnhancedCode,
            Text = reply.Text,
            MessageId = messageId,
            MxHost = mxHost,
            SuppressedAt = _time.GetUtcNow(),
        };
        if (await _store.AddAsync(entry, cancellationToken))
        {
            _metrics.SuppressionAdds.Add(1, new KeyValuePair<string, object?>("code", reply.EnhancedCode));
            LogAdded(_logger, address, reply.ToString());
            Remember(key, entry);
        }
        else
        {
            _cache?.Remove(key.Address);
        }
    }

    /// <summary>Lifts the entry for <paramref name="key"/>; false when there was none.</summary>
    public async Task<bool> LiftAsync(SuppressionKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var deleted = await _store.DeleteAsync(key, cancellationToken);
        _cache?.Remove(key.Address);
        if (deleted)
        {
            LogLifted(_logger, key.Address);
        }

        return deleted;
    }

    /// <inheritdoc />
    public void Dispose() => _cache?.Dispose();

    private void Remember(SuppressionKey key, SuppressionEntity? entry) =>
        _cache?.Set(key.Address, entry ?? NotSuppressed, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _options.CacheTtl });

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Suppressed <{Recipient}>: {Reply}")]
    private static partial void LogAdded(ILogger logger, string recipient, string reply);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "Suppression of <{Recipient}> lifted")]
    private static partial void LogLifted(ILogger logger, string recipient);
}
