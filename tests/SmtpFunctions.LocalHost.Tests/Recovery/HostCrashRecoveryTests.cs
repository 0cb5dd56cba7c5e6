using System.Globalization;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.LocalHost.Tests.Recovery;

[Collection(RecoveryCollection.Name)]
public sealed class HostCrashRecoveryTests(ITestOutputHelper output)
{
    private const int Count = 200;
    private const int InFlightAtKill = 8;

    [Fact]
    public async Task LocalHost_KilledMidBatch_ResumesWithinAMinuteOfRestartAndDeliversEveryMessage()
    {
        // RCPT answered after 1 s: jobs take long enough that the kill finds a batch in flight, leased and claimed.
        await using var world = await DeliveryWorld.StartAsync(new SmtpSinkOptions
        {
            TrackSessions = false,
            CommandDelays = new Dictionary<string, TimeSpan> { ["RCPT"] = TimeSpan.FromSeconds(1) },
        });
        var host = await world.StartHostAsync(); // the repository's host.json, the default 30 s lease
        var messages = await world.SubmitAsync(Count);
        await world.Sink.WaitForMessagesAsync(Count / 5, timeout: TimeSpan.FromMinutes(2));
        var inFlight = await world.WaitForJobsInFlightAsync(messages, InFlightAtKill);

        await host.KillAsync();
        var deliveredAtKill = world.CountDeliveries(messages).Count(c => c > 0);
        var before = host.Output;
        await host.RestartAsync();
        var restarted = DateTimeOffset.UtcNow;

        var states = await world.WaitUntilFinalAsync(messages, restarted + TimeSpan.FromMinutes(2));
        var report = RecoveryReport.Measure("kill -9 of the local host mid-batch, then restart", world, messages, states, restarted);
        var resumed = world.Sink.ReadAcceptedMessages()
            .Select(m => new DateTimeOffset(File.GetLastWriteTimeUtc(m.Path), TimeSpan.Zero))
            .Where(t => t > restarted)
            .DefaultIfEmpty(DateTimeOffset.MaxValue)
            .Min();
        var redelivered = host.Output[before.Length..].Split('\n').Count(l => l.Contains("[4012] Executing DeliverMessage", StringComparison.Ordinal) && !l.Contains("(dequeue 1,", StringComparison.Ordinal));
        report.WriteTo(output,
            ("delivered before the kill", deliveredAtKill.ToString(CultureInfo.InvariantCulture)),
            ("jobs in flight when killed (started, not yet delivered)", inFlight.ToString(CultureInfo.InvariantCulture)),
            ("first delivery after the restart", $"{(resumed - restarted).TotalSeconds:F1} s"),
            ("last recipient final after the restart", $"{report.LongestNonFinalAfterFault.TotalSeconds:F1} s"),
            ("queue messages run again after the restart (dequeue > 1)", redelivered.ToString(CultureInfo.InvariantCulture)));

        Assert.True(deliveredAtKill < Count, "the kill came after the whole batch was delivered; nothing was in flight");
        Assert.Equal(0, report.Lost);
        Assert.Empty(report.NotFinal);
        Assert.True(report.LongestNonFinalAfterFault < TimeSpan.FromMinutes(1),
            $"the last recipient became final {report.LongestNonFinalAfterFault.TotalSeconds:F1} s after the restart (must be under 60 s)");
    }
}
