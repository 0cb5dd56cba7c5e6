using Microsoft.Extensions.Internal;

namespace SmtpFunctions.Core.Suppression;

/// <summary>MemoryCache's clock, read from the host's <see cref="TimeProvider"/> (so tests can move time).</summary>
internal sealed class TimeProviderClock(TimeProvider time) : ISystemClock
{
    public DateTimeOffset UtcNow => time.GetUtcNow();
}
