using System.Diagnostics;

namespace SmtpFunctions.Benchmarks.Simulation;

/// <summary>
/// A rate limit as a token bucket holding one second of its rate: a request is let through if the bucket holds at least
/// one token and then pays its cost (the bucket may go negative, so a large batch is paid for by the requests after it).
/// </summary>
internal sealed class TokenBucket
{
    private readonly Lock _gate = new();
    private readonly double _perSecond;
    private double _tokens;
    private long _last = Stopwatch.GetTimestamp();

    public TokenBucket(double perSecond)
    {
        _perSecond = perSecond;
        _tokens = perSecond;
    }

    /// <summary>Whether a request would be let through now (at least one token).</summary>
    public bool HasToken()
    {
        lock (_gate)
        {
            Refill();
            return _tokens >= 1;
        }
    }

    /// <summary>Charges what an answer turned out to cost (messages a receive returned), without refusing.</summary>
    public void Charge(double cost)
    {
        lock (_gate)
        {
            Refill();
            _tokens -= cost;
        }
    }

    private void Refill()
    {
        var now = Stopwatch.GetTimestamp();
        _tokens = Math.Min(_perSecond, _tokens + (_perSecond * Stopwatch.GetElapsedTime(_last, now).TotalSeconds));
        _last = now;
    }
}
