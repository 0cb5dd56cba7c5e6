using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Sweeping;

namespace SmtpFunctions.LocalHost.Sweeping;

/// <summary>
/// Plays the function app's <c>SweepMessages</c> timer: one sweep every <c>Sweeper:Interval</c>, the first at start (the
/// timer's monitor makes up a run missed while the app was down). Nothing a sweep throws ends the host.
/// </summary>
internal sealed partial class SweeperService(
    Sweeper sweeper, TimeProvider time, IOptions<SweeperOptions> options, ILogger<SweeperService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Interval;
        LogStarted(logger, interval);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await sweeper.SweepAsync(time.GetUtcNow(), stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Storage away, or a bug: the next sweep tries again; the index rows stay due meanwhile.
                    LogSweepFailed(logger, ex);
                }

                await Task.Delay(interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(EventId = 8101, Level = LogLevel.Information, Message = "Sweeper running every {Interval}")]
    private static partial void LogStarted(ILogger logger, TimeSpan interval);

    [LoggerMessage(EventId = 8102, Level = LogLevel.Warning, Message = "A sweep failed; trying again at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
