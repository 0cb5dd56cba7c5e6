using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Core.Pacing;

/// <summary>
/// With <see cref="PacingOptions.ShareAcrossInstances"/>, turns the configured limits into this instance's share of them,
/// so that all delivering instances together stay within them: each instance that delivers writes a heartbeat row to
/// the <c>pacing</c> table and counts the live ones.
/// </summary>
/// <remarks>
/// With N live instances, a destination's session limit L is split as floor(L ÷ N) each, plus one more for L mod N of
/// them (which ones rotates by destination, so no instance gets every spare slot); when L &lt; N, N − L instances hold
/// no slot for it and put its jobs back on the queue for another instance to take. A rate limit R becomes R ÷ N each.
/// <para>
/// While instances come and go the sum stays within the limits because shares shrink at once and grow late: an instance
/// takes the smallest share any heartbeat of the last <see cref="Grace"/> gave it (one heartbeat, for the others to see a
/// change, plus the time a surplus idle session needs to be closed by the connection cache), and one that joins while
/// others are running takes nothing for that long. One that finds itself alone takes the whole limits at once: each
/// instance writes its row before reading the others, so of two starting together at least one sees the other. A
/// vanished instance's share is taken over after three missed heartbeats, or at once when it stopped cleanly.
/// </para>
/// Cost: one upsert and one partition query per instance per heartbeat, nothing per message. An instance that stops
/// delivering stops beating (and deletes its row) once three heartbeats and the grace time have passed without a job
/// (its idle sessions are closed by then), and joins again with its next.
/// </remarks>
public sealed partial class InstanceShares : IAsyncDisposable
{
    private const string Partition = "instances";
    private const int MissedBeats = 3;

    private readonly TableClient _table;
    private readonly PacingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<InstanceShares> _logger;
    private readonly SemaphoreSlim _beat = new(1, 1);
    private readonly Lock _lock = new();
    private readonly List<(DateTimeOffset At, int Count, int Rank)> _views = [];
    private ITimer? _timer;
    private DateTimeOffset _lastUsed;
    private DateTimeOffset _joinedAt;
    private bool _joinedAmongOthers;
    private bool _disposed;

    /// <summary>Binds to the <c>pacing</c> table; beats only once delivery asks for a share.</summary>
    public InstanceShares(StorageAccount account, IOptions<PacingOptions> options, IOptions<DeliveryOptions> delivery, TimeProvider time, ILogger<InstanceShares> logger)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(delivery);
        _table = account.Tables.GetTableClient(StorageNames.PacingTable);
        _options = options.Value;
        _time = time;
        _logger = logger;
        Grace = _options.InstanceHeartbeat + (delivery.Value.SessionIdleTimeout * 1.5) + TimeSpan.FromSeconds(1);
        InstanceId = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}");
    }

    /// <summary>This process's row key: unique per process, so a restarted instance is a new one (the old row ages out).</summary>
    public string InstanceId { get; }

    /// <summary>
    /// How long a smaller share is remembered (and a joiner among others waits): a heartbeat plus one and a half idle
    /// timeouts of the connection cache (its sweeper runs every half timeout), plus a second.
    /// </summary>
    public TimeSpan Grace { get; }

    /// <summary>Live delivering instances and this one's rank among them (by id), as of the last heartbeat.</summary>
    public (int Count, int Rank) View
    {
        get
        {
            lock (_lock)
            {
                return _views.Count == 0 ? (1, 0) : (_views[^1].Count, _views[^1].Rank);
            }
        }
    }

    /// <summary>
    /// This instance's share of <paramref name="limits"/> for <paramref name="destination"/>. The first call (and the first
    /// after an idle spell) writes the heartbeat and reads the others before answering.
    /// </summary>
    public async Task<DestinationLimits> ShareOfAsync(DestinationLimits limits, string destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        bool start;
        lock (_lock)
        {
            _lastUsed = _time.GetUtcNow();
            start = _timer is null && !_disposed;
        }

        if (start)
        {
            await BeatAsync(onlyIfStopped: true, cancellationToken);
        }

        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (_views.Count == 0)
            {
                // Storage has not answered yet: the limits as configured, as without sharing.
                return limits;
            }

            if (_joinedAmongOthers && now - _joinedAt < Grace)
            {
                return limits with { MaxConcurrentSessions = 0 };
            }

            var latest = _views[^1];
            return _views
                .Where(v => now - v.At < Grace || v == latest)
                .Select(v => Share(limits, destination, v.Count, v.Rank))
                .MinBy(s => (s.MaxConcurrentSessions, s.MaxMessagesPerMinute))!;
        }
    }

    /// <summary>The share of instance <paramref name="rank"/> of <paramref name="count"/> (see the remarks).</summary>
    public static DestinationLimits Share(DestinationLimits limits, string destination, int count, int rank)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(destination);
        if (count <= 1)
        {
            return limits;
        }

        // Which instances get the spare slots turns with the destination (a hash every instance computes alike).
        var offset = (int)(BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(destination)), 0) % (uint)count);
        var position = (rank + offset) % count;
        var sessions = (limits.MaxConcurrentSessions / count) + (position < limits.MaxConcurrentSessions % count ? 1 : 0);
        return limits with { MaxConcurrentSessions = sessions, MaxMessagesPerMinute = limits.MaxMessagesPerMinute / count };
    }

    /// <summary>Notes that a session towards a paced destination was just given back (the instance is in use).</summary>
    public void Touch()
    {
        lock (_lock)
        {
            _lastUsed = _time.GetUtcNow();
        }
    }

    /// <summary>Writes this instance's heartbeat and counts the live instances (also what the timer does).</summary>
    public Task BeatAsync(CancellationToken cancellationToken) => BeatAsync(onlyIfStopped: false, cancellationToken);

    /// <summary>Stops beating and removes this instance's row, so the others take over its share at once.</summary>
    public async ValueTask DisposeAsync()
    {
        // After any beat in progress, so that it cannot write the row (or start the timer) again behind us.
        await _beat.WaitAsync();
        try
        {
            lock (_lock)
            {
                _disposed = true;
            }

            await StopAsync();
        }
        finally
        {
            _beat.Release();
        }
    }

    private async Task BeatAsync(bool onlyIfStopped, CancellationToken cancellationToken)
    {
        await _beat.WaitAsync(cancellationToken);
        try
        {
            var now = _time.GetUtcNow();
            bool idle;
            lock (_lock)
            {
                // Jobs starting together on a fresh instance: the first one beats, the others use its view.
                if (_disposed || (onlyIfStopped && _timer is not null))
                {
                    return;
                }

                // Not before its idle sessions are surely closed (the grace time covers the connection cache's idle
                // timeout): only then may the others count without it.
                idle = _timer is not null && now - _lastUsed > Max(_options.InstanceHeartbeat * MissedBeats, Grace);
            }

            if (idle)
            {
                // No delivery here for a while: leave the count so busy instances get the whole limits.
                await StopAsync();
                return;
            }

            // Our row first, then the others: of two instances doing this at once, the later reader sees the earlier row.
            await _table.UpsertEntityAsync(new TableEntity(Partition, InstanceId) { ["LastSeen"] = now }, TableUpdateMode.Replace, cancellationToken);
            var live = new List<string>();
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition}");
            await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                if (row.GetDateTimeOffset("LastSeen") is { } seen && now - seen <= _options.InstanceHeartbeat * MissedBeats)
                {
                    live.Add(row.RowKey);
                }
            }

            live.Sort(StringComparer.Ordinal);
            var count = Math.Max(1, live.Count);
            var rank = Math.Max(0, live.IndexOf(InstanceId));
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }

                var changed = _views.Count == 0 || _views[^1].Count != count || _views[^1].Rank != rank;
                if (_timer is null)
                {
                    _joinedAt = now;
                    _joinedAmongOthers = count > 1;
                    _views.Clear();
                    _timer = _time.CreateTimer(_ => _ = BeatAsync(onlyIfStopped: false, CancellationToken.None), null, _options.InstanceHeartbeat, _options.InstanceHeartbeat);
                }

                var latest = (now, count, rank);
                _views.Add(latest);
                _views.RemoveAll(v => now - v.At >= Grace && v != latest);
                if (changed)
                {
                    LogShare(_logger, count, rank);
                }
            }
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) || ex is RequestFailedException)
        {
            // Keep the last views (or the whole limits, before the first): delivery goes on, perhaps a little over.
            LogBeatFailed(_logger, ex);
        }
        finally
        {
            _beat.Release();
        }
    }

    private async Task StopAsync()
    {
        ITimer? timer;
        lock (_lock)
        {
            timer = _timer;
            _timer = null;
        }

        if (timer is not null)
        {
            await timer.DisposeAsync();
            try
            {
                await _table.DeleteEntityAsync(Partition, InstanceId, ETag.All);
            }
            catch (Exception ex) when (StorageFaults.IsUnavailable(ex) || ex is RequestFailedException)
            {
                // The row ages out after three missed beats anyway.
                LogBeatFailed(_logger, ex);
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    [LoggerMessage(EventId = 7103, Level = LogLevel.Information, Message = "Pacing shared among {InstanceCount} delivering instances; this one is number {Rank}")]
    private static partial void LogShare(ILogger logger, int instanceCount, int rank);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Warning, Message = "Pacing heartbeat failed; keeping the last instance count")]
    private static partial void LogBeatFailed(ILogger logger, Exception exception);
}
