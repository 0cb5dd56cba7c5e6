using System.Globalization;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.LocalHost.Tests.Recovery;

[Collection(RecoveryCollection.Name)]
public sealed class StorageOutageRecoveryTests(ITestOutputHelper output)
{
    private const int Count = 200;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);
    private static readonly string[] ListenerEvents = ["[4002]", "[4003]", "[4007]", "[4008]", "[4004]"];

    [Fact]
    public async Task LocalHost_WhenStorageStopsForTwentySecondsMidBatch_LosesNothingAndKeepsRunning()
    {
        await using var world = await DeliveryWorld.StartAsync(new SmtpSinkOptions
        {
            TrackSessions = false,
            CommandDelays = new Dictionary<string, TimeSpan> { ["RCPT"] = TimeSpan.FromSeconds(1) },
        });
        var host = await world.StartHostAsync();
        var messages = await world.SubmitAsync(Count);
        await world.Sink.WaitForMessagesAsync(Count / 5, timeout: TimeSpan.FromMinutes(2));
        var inFlight = await world.WaitForJobsInFlightAsync(messages, 8);

        // Stopped by PID (SIGTERM, so that Azurite saves its data, as the real service keeps what it acknowledged), then
        // started again on the same ports and data folder. The outage's length is the scenario, not a wait for an event.
        await world.Azurite.StopAsync();
        var deliveredAtStop = world.CountDeliveries(messages).Count(c => c > 0);
        await Task.Delay(Outage);
        var duringOutage = world.CountDeliveries(messages).Count(c => c > 0) - deliveredAtStop;
        await world.Azurite.RestartAsync();
        var restored = DateTimeOffset.UtcNow;

        var states = await world.WaitUntilFinalAsync(messages, restored + TimeSpan.FromMinutes(3));
        var report = RecoveryReport.Measure($"Azurite stopped for {Outage.TotalSeconds:F0} s mid-batch, then restarted on its data", world, messages, states, restored);
        report.WriteTo(output,
            ("delivered before the outage", deliveredAtStop.ToString(CultureInfo.InvariantCulture)),
            ("jobs in flight when storage stopped", inFlight.ToString(CultureInfo.InvariantCulture)),
            ("delivered during the outage (sessions already past RCPT)", duringOutage.ToString(CultureInfo.InvariantCulture)),
            ("host log: poll failures / jobs failed / lease renewals failed / lost leases / poisoned",
                string.Join(" / ", ListenerEvents.Select(m => host.Output.Split('\n').Count(l => l.Contains(m, StringComparison.Ordinal))))));

        Assert.True(host.IsRunning, host.Output);
        Assert.True(deliveredAtStop < Count, "storage stopped after the whole batch was delivered; nothing was in flight");
        Assert.Equal(0, report.Lost);
        Assert.Empty(report.NotFinal);
    }
}
