using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Suppression;

namespace SmtpFunctions.Core.Tenants;

/// <summary>
/// Checks presented keys against their rows, through a per-instance cache of rows (never of secrets) that lives
/// <see cref="ApiKeyOptions.CacheTtl"/>: a busy key costs one point read per instance per TTL, and a revocation made
/// anywhere is seen everywhere within that time (at once on the instance that made it).
/// </summary>
/// <remarks>
/// The secret is compared with the row's hash on every request, cached or not, in constant time. A key id that has no
/// row is cached as absent too, so a client hammering with a made-up key costs no more reads than a good one.
/// </remarks>
public sealed partial class ApiKeyVerifier : IDisposable
{
    private static readonly object Absent = new();

    private readonly ApiKeyStore _store;
    private readonly ApiKeyOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ApiKeyVerifier> _logger;
    private readonly MemoryCache _cache;
    // Last-used writes: the time each key was last written, so a busy key writes at most once per interval per instance.
    private readonly MemoryCache _touched;

    /// <summary>Creates the verifier and its cache.</summary>
    public ApiKeyVerifier(ApiKeyStore store, IOptions<ApiKeyOptions> options, TimeProvider time, ILogger<ApiKeyVerifier> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = 100_000, Clock = new TimeProviderClock(time) });
        _touched = new MemoryCache(new MemoryCacheOptions { SizeLimit = 100_000, Clock = new TimeProviderClock(time) });
    }

    /// <summary>Number of key rows read from the table (cache misses), for the benchmark and tests.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    private long _reads;

    /// <summary>Checks <paramref name="token"/>.</summary>
    public async ValueTask<ApiKeyCheck> CheckAsync(ApiKeyToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        ApiKeyEntity? key;
        if (_cache.TryGetValue(token.KeyId, out var cached))
        {
            key = cached as ApiKeyEntity;
        }
        else
        {
            Interlocked.Increment(ref _reads);
            key = await _store.GetAsync(token.KeyId, cancellationToken);
            if (_options.CacheTtl > TimeSpan.Zero)
            {
                _cache.Set(token.KeyId, (object?)key ?? Absent, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _options.CacheTtl });
            }
        }

        if (key is null || !token.Matches(key.SecretHash))
        {
            return new ApiKeyCheck(ApiKeyVerdict.Unknown, null);
        }

        var now = _time.GetUtcNow();
        if (key.RevokedAt is not null)
        {
            return new ApiKeyCheck(ApiKeyVerdict.Revoked, null);
        }

        if (key.ExpiresAt is { } expires && expires <= now)
        {
            return new ApiKeyCheck(ApiKeyVerdict.Expired, null);
        }

        Touch(key, now);
        return new ApiKeyCheck(ApiKeyVerdict.Accepted, key);
    }

    /// <summary>The row of a key already checked on this request (a cache hit then), or null; no secret involved.</summary>
    public async ValueTask<ApiKeyEntity?> GetAsync(string keyId, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(keyId, out var cached))
        {
            return cached as ApiKeyEntity;
        }

        Interlocked.Increment(ref _reads);
        return await _store.GetAsync(keyId, cancellationToken);
    }

    /// <summary>Drops a key from this instance's cache (after revoking it here).</summary>
    public void Forget(string keyId) => _cache.Remove(keyId);

    /// <inheritdoc />
    public void Dispose()
    {
        _cache.Dispose();
        _touched.Dispose();
    }

    // Last-used is written in the background, at most once per interval per key and instance: the request does not wait
    // for it, and a failed write only leaves the time a little older.
    private void Touch(ApiKeyEntity key, DateTimeOffset now)
    {
        if (_options.LastUsedInterval <= TimeSpan.Zero || _touched.TryGetValue(key.PartitionKey, out _)
            || (key.LastUsedAt is { } last && now - last < _options.LastUsedInterval))
        {
            return;
        }

        _touched.Set(key.PartitionKey, now, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _options.LastUsedInterval });
        _ = WriteLastUsedAsync(key.PartitionKey, now);
    }

    private async Task WriteLastUsedAsync(string keyId, DateTimeOffset now)
    {
        try
        {
            await _store.SetAsync(keyId, nameof(ApiKeyEntity.LastUsedAt), now, CancellationToken.None);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or OperationCanceledException or HttpRequestException)
        {
            LogLastUsedFailed(_logger, keyId, ex);
        }
    }

    [LoggerMessage(EventId = 9003, Level = LogLevel.Warning, Message = "Could not record the last use of API key {KeyId}")]
    private static partial void LogLastUsedFailed(ILogger logger, string keyId, Exception exception);
}
