using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Sweeping;

namespace SmtpFunctions.FunctionApp;

/// <summary>Timer trigger, every minute: re-drives accepted recipients whose next step is overdue (<see cref="Sweeper"/>).</summary>
/// <remarks>
/// The timer trigger runs one instance at a time however far the app scales out (a blob lease per schedule), and a run
/// missed while the app was down is made up at start (<c>UseMonitor</c>). The schedule is fixed; <c>Sweeper:Interval</c>
/// is its value for the local host.
/// </remarks>
public sealed class SweepMessages(Sweeper sweeper, TimeProvider time, IOptions<SweeperOptions> options)
{
    /// <summary>Every minute at second 0 (NCRONTAB with seconds).</summary>
    public const string Schedule = "0 * * * * *";

    /// <summary>The trigger.</summary>
    [Function(nameof(SweepMessages))]
    public async Task RunAsync([TimerTrigger(Schedule, UseMonitor = true)] TimerInfo timer, CancellationToken cancellationToken)
    {
        if (options.Value.Enabled)
        {
            await sweeper.SweepAsync(time.GetUtcNow(), cancellationToken);
        }
    }
}
