using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Core.Tenants;

/// <summary>
/// A key's messages-per-minute limit, shared by every instance: each instance takes the allowance in chunks of
/// <see cref="ApiKeyOptions.RateLimitChunk"/> from the key's row in the <c>ratelimits</c> table (a read and an ETag-guarded
/// write per chunk, retried on a lost race) and spends it locally without any storage request.
/// </summary>
/// <remarks>
/// <para>
/// What it promises: the chunks granted in one UTC minute never add up to more than the limit, so instances together
/// accept at most the limit per calendar minute — no overshoot, however many instances there are. The windows are fixed
/// minutes, so 60 seconds straddling a minute boundary can see up to twice the limit.
/// </para>
/// <para>
/// What it costs: allowance taken by an instance and not used before the minute ends is lost, so the key can be refused
/// while fewer than the limit were sent: up to (chunk − 1) × instances per minute. Storage requests: two per chunk, none
/// for the other messages of the chunk.
/// </para>
/// </remarks>
public sealed class KeyRateLimiter
{
    private readonly TableClient _table;
    private readonly ApiKeyOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Allowance> _allowances = new(StringComparer.Ordinal);

    /// <summary>Binds to the <c>ratelimits</c> table.</summary>
    public KeyRateLimiter(StorageAccount account, IOptions<ApiKeyOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(options);
        _table = account.Tables.GetTableClient(StorageNames.RateLimitsTable);
        _options = options.Value;
        _time = time;
    }

    /// <summary>Number of storage requests made (reads and writes of allowance rows), for the benchmark and tests.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    private long _requests;

    /// <summary>Takes one message from <paramref name="keyId"/>'s allowance of <paramref name="limitPerMinute"/>.</summary>
    public async ValueTask<RateLimitDecision> TryTakeAsync(string keyId, int limitPerMinute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentOutOfRangeException.ThrowIfLessThan(limitPerMinute, 1);
        var allowance = _allowances.GetOrAdd(keyId, _ => new Allowance());
        await allowance.Gate.WaitAsync(cancellationToken);
        try
        {
            var now = _time.GetUtcNow();
            var window = now.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
            if (allowance.Window != window)
            {
                allowance.Window = window;
                allowance.Remaining = 0;
                allowance.Exhausted = false;
            }

            if (allowance.Remaining == 0 && !allowance.Exhausted)
            {
                allowance.Remaining = await LeaseAsync(keyId, window, limitPerMinute, cancellationToken);
                allowance.Exhausted = allowance.Remaining == 0;
            }

            if (allowance.Remaining > 0)
            {
                allowance.Remaining--;
                return RateLimitDecision.Allow;
            }

            var nextMinute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(1);
            return new RateLimitDecision(false, nextMinute - now);
        }
        finally
        {
            allowance.Gate.Release();
        }
    }

    private async Task<int> LeaseAsync(string keyId, string window, int limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            Interlocked.Increment(ref _requests);
            var response = await _table.GetEntityIfExistsAsync<RateLimitEntity>(keyId, RateLimitEntity.Row, cancellationToken: cancellationToken);
            var row = response.HasValue ? response.Value! : null;
            var taken = row is not null && row.Window == window ? row.Taken : 0;
            var grant = Math.Min(Math.Min(_options.RateLimitChunk, limit), limit - taken);
            if (grant <= 0)
            {
                return 0;
            }

            var next = new RateLimitEntity { PartitionKey = keyId, Window = window, Taken = taken + grant };
            try
            {
                Interlocked.Increment(ref _requests);
                if (row is null)
                {
                    await _table.AddEntityAsync(next, cancellationToken);
                }
                else
                {
                    await _table.UpdateEntityAsync(next, row.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return grant;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another instance took a chunk between our read and write: read again.
            }
        }
    }

    private sealed class Allowance
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public string Window { get; set; } = "";

        public int Remaining { get; set; }

        public bool Exhausted { get; set; }
    }
}
