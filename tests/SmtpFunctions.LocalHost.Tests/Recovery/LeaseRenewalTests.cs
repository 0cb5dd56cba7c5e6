using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.LocalHost.Tests.Recovery;

[Collection(RecoveryCollection.Name)]
public sealed class LeaseRenewalTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Listener_WhenAJobOutlastsSeveralLeases_RenewsItAndRunsItOnce()
    {
        // A 3 s lease, and a peer that takes 8 s to answer RCPT: the job runs for more than two leases.
        await using var world = await DeliveryWorld.StartAsync(new SmtpSinkOptions
        {
            TrackSessions = false,
            CommandDelays = new Dictionary<string, TimeSpan> { ["RCPT"] = TimeSpan.FromSeconds(8) },
        });
        var host = await world.StartHostAsync(settings: ("LocalHost:QueueLease", "00:00:03"));
        var message = (await world.SubmitAsync(1))[0];

        await world.Sink.WaitForMessagesAsync(1, m => m.Recipients.Contains(message.Recipient), TimeSpan.FromSeconds(60));
        var states = await world.WaitUntilFinalAsync([message], DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30));

        var runs = host.Output.Split('\n').Where(l => l.Contains("[4012] Executing DeliverMessage", StringComparison.Ordinal)).ToList();
        output.WriteLine(string.Join('\n', runs));
        Assert.Equal("delivered", states[0].Status);
        Assert.Single(runs);
        Assert.Equal(1, world.CountDeliveries([message])[0]);
    }
}
