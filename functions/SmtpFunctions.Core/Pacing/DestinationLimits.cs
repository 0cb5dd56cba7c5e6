namespace SmtpFunctions.Core.Pacing;

/// <summary>The limits that apply to one job's destination.</summary>
/// <param name="MaxConcurrentSessions">Most sessions at once.</param>
/// <param name="MaxMessagesPerMinute">Most transactions a minute (a fraction when shared among instances); 0 = none.</param>
/// <param name="Source">The <c>Pacing:Domains</c> entry that set them, or null for the defaults.</param>
public sealed record DestinationLimits(int MaxConcurrentSessions, double MaxMessagesPerMinute, string? Source)
{
    /// <summary>Spacing between two messages under the rate limit, or zero without one.</summary>
    public TimeSpan Interval => MaxMessagesPerMinute > 0 ? TimeSpan.FromTicks((long)(TimeSpan.TicksPerMinute / MaxMessagesPerMinute)) : TimeSpan.Zero;
}
