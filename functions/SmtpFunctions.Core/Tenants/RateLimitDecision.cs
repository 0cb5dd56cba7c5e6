namespace SmtpFunctions.Core.Tenants;

/// <summary>Whether one more message fits a key's rate limit, and when to retry if not.</summary>
public readonly record struct RateLimitDecision(bool Allowed, TimeSpan RetryAfter)
{
    /// <summary>It fits.</summary>
    public static RateLimitDecision Allow { get; } = new(true, TimeSpan.Zero);
}
