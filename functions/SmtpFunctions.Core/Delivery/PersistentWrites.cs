using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Core.Delivery;

/// <summary>
/// Delivery's own retry policy for the writes that record what a peer already did (an outcome, the retry job, the
/// bounce job): storage trouble is waited out for minutes with backoff, where submission's quick policy gives up in
/// seconds to answer a client.
/// </summary>
/// <remarks>
/// After a peer's 250, losing the status write means the message is sent again when the job comes back: the window
/// for a duplicate is exactly as long as storage stays away, so it is bridged for up to
/// <see cref="DeliveryOptions.OutcomeWriteTimeout"/> (which stays below the function timeout).
/// </remarks>
public sealed partial class PersistentWrites(TimeProvider time, IOptions<DeliveryOptions> options, ILogger<PersistentWrites> logger)
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(15);

    /// <summary>Runs <paramref name="write"/> until it succeeds, storage stays away past the deadline, or it fails otherwise.</summary>
    public async Task RunAsync(string what, Func<CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var deadline = time.GetUtcNow() + options.Value.OutcomeWriteTimeout;
        var pause = FirstPause;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await write(cancellationToken);
                if (attempt > 1)
                {
                    LogRecovered(logger, what, attempt);
                }

                return;
            }
            catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested && time.GetUtcNow() + pause < deadline)
            {
                LogRetrying(logger, what, attempt, pause, ex.Message);
            }

            await Task.Delay(pause, time, cancellationToken);
            pause = pause * 2 < LongestPause ? pause * 2 : LongestPause;
        }
    }

    [LoggerMessage(EventId = 2030, Level = LogLevel.Warning, Message = "Storage refused {What} (try {Attempt}); trying again in {Pause}: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string what, int attempt, TimeSpan pause, string reason);

    [LoggerMessage(EventId = 2031, Level = LogLevel.Information, Message = "Storage took {What} at try {Attempt}")]
    private static partial void LogRecovered(ILogger logger, string what, int attempt);
}
