using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Delivery;

/// <summary>
/// Idle SMTP sessions kept open per destination so a burst to one domain doesn't pay a TCP+TLS+EHLO handshake per
/// message, like Postfix's connection cache (<c>scache</c>). One per host process (singleton), emptied when it stops.
/// </summary>
/// <remarks>
/// A session is checked with NOOP before reuse (the peer may have dropped it), retired after
/// <see cref="DeliveryOptions.MaxMessagesPerSession"/> messages or <see cref="DeliveryOptions.MaxSessionAge"/>, and
/// closed after <see cref="DeliveryOptions.SessionIdleTimeout"/> idle.
/// </remarks>
public sealed class SmtpConnectionCache : IAsyncDisposable, IDisposable
{
    private readonly Dictionary<string, Stack<SmtpSession>> _idle = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly DeliveryOptions _options;
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;
    private bool _disposed;

    /// <summary>Creates the cache and its idle sweeper.</summary>
    public SmtpConnectionCache(IOptions<DeliveryOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        var period = _options.SessionIdleTimeout / 2;
        period = period < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : period;
        _sweeper = time.CreateTimer(_ => _ = SweepAsync(), null, period, period);
    }

    /// <summary>Number of idle sessions held (for tests and diagnostics).</summary>
    public int IdleCount
    {
        get
        {
            lock (_lock)
            {
                return _idle.Values.Sum(s => s.Count);
            }
        }
    }

    /// <summary>
    /// Takes an idle session for <paramref name="destinationKey"/> that still answers NOOP (within
    /// <see cref="DeliveryOptions.CommandTimeout"/> and the attempt's budget ending at <paramref name="attemptDeadline"/>), or null.
    /// </summary>
    internal async Task<SmtpSession?> TakeAsync(string destinationKey, DateTimeOffset attemptDeadline, CancellationToken cancellationToken)
    {
        while (TryPop(destinationKey) is { } session)
        {
            try
            {
                session.Deadlines.BeginAttempt(attemptDeadline, _options.AttemptTimeout);
                await session.Client.NoOpAsync(cancellationToken);
                return session;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                await session.DisposeAsync();
            }
        }

        return null;
    }

    /// <summary>Keeps a session for reuse if it is healthy and within limits; otherwise closes it.</summary>
    internal async Task ReturnAsync(SmtpSession session)
    {
        session.Deadlines.EndAttempt();
        var now = _time.GetUtcNow();
        var keep = session.Client.IsConnected
            && session.Messages < _options.MaxMessagesPerSession
            && now - session.OpenedAt < _options.MaxSessionAge;
        if (keep)
        {
            lock (_lock)
            {
                if (!_disposed)
                {
                    if (!_idle.TryGetValue(session.DestinationKey, out var stack))
                    {
                        _idle[session.DestinationKey] = stack = new Stack<SmtpSession>();
                    }

                    if (stack.Count < _options.MaxIdleSessionsPerDestination)
                    {
                        session.IdleSince = now;
                        stack.Push(session);
                        return;
                    }
                }
            }
        }

        await session.DisposeAsync();
    }

    /// <summary>
    /// Closes the idle sessions of <paramref name="destinationKey"/> beyond the <paramref name="keep"/> most recently used
    /// (pacing, when this instance's share of a destination shrank). Returns how many it closes.
    /// </summary>
    internal int TrimIdle(string destinationKey, int keep)
    {
        var surplus = new List<SmtpSession>();
        lock (_lock)
        {
            if (_idle.TryGetValue(destinationKey, out var stack) && stack.Count > keep)
            {
                var kept = stack.Take(Math.Max(0, keep)).Reverse().ToList();
                surplus.AddRange(stack.Skip(Math.Max(0, keep)));
                _idle[destinationKey] = new Stack<SmtpSession>(kept);
            }
        }

        foreach (var session in surplus)
        {
            _ = session.DisposeAsync().AsTask();
        }

        return surplus.Count;
    }

    /// <summary>Closes every idle session.</summary>
    public async ValueTask DisposeAsync()
    {
        var all = TakeAll();
        await _sweeper.DisposeAsync();
        await Task.WhenAll(all.Select(s => s.DisposeAsync().AsTask()));
    }

    /// <summary>Closes every idle session without saying QUIT (for hosts that dispose synchronously).</summary>
    public void Dispose()
    {
        var all = TakeAll();
        _sweeper.Dispose();
        foreach (var session in all)
        {
            session.Client.Dispose();
        }
    }

    private List<SmtpSession> TakeAll()
    {
        lock (_lock)
        {
            _disposed = true;
            var all = _idle.Values.SelectMany(s => s).ToList();
            _idle.Clear();
            return all;
        }
    }

    private SmtpSession? TryPop(string destinationKey)
    {
        lock (_lock)
        {
            return _idle.TryGetValue(destinationKey, out var stack) && stack.TryPop(out var session) ? session : null;
        }
    }

    private async Task SweepAsync()
    {
        var now = _time.GetUtcNow();
        var expired = new List<SmtpSession>();
        lock (_lock)
        {
            foreach (var (key, stack) in _idle.ToList())
            {
                var keep = stack.Where(s => now - s.IdleSince < _options.SessionIdleTimeout).Reverse().ToList();
                expired.AddRange(stack.Where(s => now - s.IdleSince >= _options.SessionIdleTimeout));
                if (keep.Count == 0)
                {
                    _idle.Remove(key);
                }
                else
                {
                    _idle[key] = new Stack<SmtpSession>(keep);
                }
            }
        }

        foreach (var session in expired)
        {
            await session.DisposeAsync();
        }
    }
}
