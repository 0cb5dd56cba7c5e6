using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using SmtpFunctions.Ingress.Network;
using SmtpFunctions.Ingress.Options;

namespace SmtpFunctions.Ingress.Accounts;

/// <summary>
/// Counts AUTH failures per client (IPv4 address or IPv6 /64) over a sliding window, across sessions: the first few
/// are answered at once, later ones after a pause, and past the limit the client is refused until failures age out.
/// </summary>
/// <remarks>Per replica: each container counts its own clients. The window bounds memory as well as the block.</remarks>
public sealed class AuthFailureLimiter
{
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly IngressOptions _options;
    private long _lastSweepTicks;

    /// <summary>Creates the limiter.</summary>
    public AuthFailureLimiter(TimeProvider time, IOptions<IngressOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _options = options.Value;
        _lastSweepTicks = time.GetUtcNow().UtcTicks;
    }

    /// <summary>True when the client has reached the failure limit within the window.</summary>
    public bool IsBlocked(IPAddress client) => Count(ClientAddress.LimitKey(client)) >= _options.AuthFailureLimit;

    /// <summary>Records a failure and returns what to do about it.</summary>
    public AuthFailureVerdict RecordFailure(IPAddress client)
    {
        var now = _time.GetUtcNow();
        var log = _failures.GetOrAdd(ClientAddress.LimitKey(client), _ => new Queue<DateTimeOffset>());
        int count;
        lock (log)
        {
            Expire(log, now);
            log.Enqueue(now);
            count = log.Count;
        }

        SweepIfDue(now);
        if (count >= _options.AuthFailureLimit)
        {
            return AuthFailureVerdict.Disconnect;
        }

        return count > _options.AuthFailureDelayAfter ? AuthFailureVerdict.Delay : AuthFailureVerdict.Answer;
    }

    private int Count(string key)
    {
        if (!_failures.TryGetValue(key, out var log))
        {
            return 0;
        }

        lock (log)
        {
            Expire(log, _time.GetUtcNow());
            return log.Count;
        }
    }

    private void Expire(Queue<DateTimeOffset> log, DateTimeOffset now)
    {
        while (log.Count > 0 && now - log.Peek() >= _options.AuthFailureWindow)
        {
            log.Dequeue();
        }
    }

    // Forget clients whose failures have all aged out, at most once per window, so the table cannot grow without bound.
    private void SweepIfDue(DateTimeOffset now)
    {
        var last = Interlocked.Read(ref _lastSweepTicks);
        if (now.UtcTicks - last < _options.AuthFailureWindow.Ticks || Interlocked.CompareExchange(ref _lastSweepTicks, now.UtcTicks, last) != last)
        {
            return;
        }

        foreach (var (key, log) in _failures)
        {
            lock (log)
            {
                Expire(log, now);
                if (log.Count == 0)
                {
                    _failures.TryRemove(new KeyValuePair<string, Queue<DateTimeOffset>>(key, log));
                }
            }
        }
    }
}
