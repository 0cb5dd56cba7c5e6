using System.Globalization;
using System.Net;
using SmtpFunctions.LocalHost.Tests.Recovery;
using Xunit.Abstractions;

namespace SmtpFunctions.LocalHost.Tests.Events;

/// <summary>
/// kill -9 of the local host while messages are being delivered and their events dispatched: after the restart every
/// recipient's events arrive, with no gap in their sequence numbers. Intents caught between their status write and their
/// enqueue are found by the sweeper (event 9406); events dispatched but not yet acknowledged come again (duplicates).
/// </summary>
[Collection(RecoveryCollection.Name)]
public sealed class EventCrashRecoveryTests(ITestOutputHelper output)
{
    private const int Count = 40;
    private static readonly string[] Expected = ["smtpfunctions.accepted", "smtpfunctions.delivered"];

    [Fact]
    public async Task LocalHost_KilledWhileDeliveringAndDispatching_LosesNoEvent()
    {
        await using var world = await EventWorld.StartAsync();
        var host = await world.StartHostAsync(
            ("Sweeper:Interval", "00:00:01"),
            ("Sweeper:FirstCheckDelay", "00:00:05"),
            ("Sweeper:OverdueGrace", "00:00:05"),
            ("Events:IntentGrace", "00:00:10"));
        var (receiver, secret) = await world.StartReceiverAsync();
        Assert.Equal(HttpStatusCode.Created, (await world.SubscribeAsync(receiver.Url, secret)).Status);

        var ids = new List<string>();
        var submitting = Task.Run(async () =>
        {
            for (var i = 0; i < Count; i++)
            {
                ids.Add(await world.SubmitAsync(EventWorld.Delivered));
            }
        });

        // Kill in the middle: some delivered events out, submissions and deliveries still under way.
        await receiver.WaitUntilAsync(r => r.Count(x => x.Type == "smtpfunctions.delivered") >= 5, TimeSpan.FromSeconds(60));
        await host.KillAsync();
        var atKill = receiver.Requests().Count(r => r.Type == "smtpfunctions.delivered");
        try
        {
            await submitting;
        }
        catch (HttpRequestException)
        {
            // A submission cut off by the kill was never accepted (no 202): it has no events to lose.
        }

        await host.RestartAsync();
        await submitting.ContinueWith(_ => { }, TaskScheduler.Default);
        var accepted = ids.ToList();
        for (var i = accepted.Count; i < Count; i++)
        {
            accepted.Add(await world.SubmitAsync(EventWorld.Delivered));
        }

        // Wait for both events of every message: an accepted event caught in flight by the kill comes back only after its
        // queue lease runs out, so it can follow the delivered one.
        var requests = await receiver.WaitUntilAsync(
            r => accepted.All(id => Expected.All(type => r.Any(x => x.Status == 200 && x.MessageId == id && x.Type == type))),
            TimeSpan.FromMinutes(3));
        var perMessage = requests.Where(r => r.Status == 200 && accepted.Contains(r.MessageId!))
            .GroupBy(r => r.MessageId!)
            .ToDictionary(g => g.Key, g => g.GroupBy(r => r.WebhookId).Select(d => d.First()).OrderBy(r => r.SequenceNumber).ToList());
        Assert.Equal(accepted.Count, perMessage.Count);
        Assert.All(perMessage.Values, events =>
        {
            Assert.Equal(Enumerable.Range(1, events.Count), events.Select(e => e.SequenceNumber));
            Assert.Equal(Expected, events.Select(e => e.Type!).ToArray());
        });
        Assert.All(requests, r => Assert.True(r.Valid));

        var resent = host.Output.Split('\n').Count(l => l.Contains("[9406]", StringComparison.Ordinal));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"messages {accepted.Count}; delivered events before the kill {atKill}; requests {requests.Count}; duplicates {requests.Count(r => r.Duplicate)}; intents re-sent by the sweeper {resent}"));
    }
}
