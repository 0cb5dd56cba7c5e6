using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Retry;

/// <summary>Decides when a deferred recipient is tried again, or that it has waited long enough and expires.</summary>
/// <remarks>
/// Waits grow like Postfix's backoff (RFC 5321 §4.5.4.1 asks for at least 30 min between retries to one destination after
/// the first few; the short first waits catch greylisting). The lifetime counts from submission, like Postfix's
/// <c>maximal_queue_lifetime</c>; the last retry is pulled in to the deadline so that a message is tried once more at its
/// end rather than expiring unattempted.
/// </remarks>
public sealed class RetrySchedule
{
    private readonly IReadOnlyList<TimeSpan> _waits;
    private readonly TimeSpan _lifetime;
    private readonly double _jitter;
    private readonly Func<double> _random;

    /// <summary>Reads the schedule from options.</summary>
    public RetrySchedule(IOptions<RetryOptions> options)
        : this(options, Random.Shared.NextDouble)
    {
    }

    /// <summary>With an explicit source of randomness in [0, 1) (tests).</summary>
    public RetrySchedule(IOptions<RetryOptions> options, Func<double> random)
    {
        ArgumentNullException.ThrowIfNull(options);
        _waits = options.Value.ParseSchedule();
        _lifetime = options.Value.QueueLifetime;
        _jitter = options.Value.Jitter;
        _random = random;
    }

    /// <summary>When a message submitted at <paramref name="submittedAt"/> expires.</summary>
    public DateTimeOffset ExpiresAt(DateTimeOffset submittedAt) => submittedAt + _lifetime;

    /// <summary>
    /// The time of the next attempt after the failed attempt of <paramref name="round"/> (0 = first), or null when the
    /// message has expired and the recipient must fail.
    /// </summary>
    public DateTimeOffset? NextAttempt(int round, DateTimeOffset submittedAt, DateTimeOffset now)
    {
        var deadline = ExpiresAt(submittedAt);
        if (now >= deadline)
        {
            return null;
        }

        var wait = _waits[Math.Clamp(round, 0, _waits.Count - 1)];
        var factor = 1 + (((_random() * 2) - 1) * _jitter);
        var next = now + TimeSpan.FromTicks((long)(wait.Ticks * factor));
        return next < deadline ? next : deadline;
    }
}
