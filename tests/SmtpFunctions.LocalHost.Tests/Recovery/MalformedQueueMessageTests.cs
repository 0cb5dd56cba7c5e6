using System.Diagnostics;
using System.Net;
using Azure.Storage.Queues;
using SmtpFunctions.Core.Storage;
using Xunit.Abstractions;

namespace SmtpFunctions.LocalHost.Tests.Recovery;

[Collection(RecoveryCollection.Name)]
public sealed class MalformedQueueMessageTests(ITestOutputHelper output)
{
    // Quick retries, so that the messages the handler rejects reach maxDequeueCount within seconds; the encoding is the
    // repository's host.json's.
    private const string QuickRetries = """
        { "version": "2.0",
          "extensions": { "queues": { "batchSize": 16, "newBatchThreshold": 8, "maxPollingInterval": "00:00:00.500",
                                      "visibilityTimeout": "00:00:01", "maxDequeueCount": 3, "messageEncoding": "none" } } }
        """;

    private const string NotJson = "this is not json { \"id\": 1 } !";
    private static readonly string Base64NotJson = Convert.ToBase64String("not json at all"u8);
    private static readonly string NotAJob = Convert.ToBase64String("{\"hello\":\"world\"}"u8);

    [Fact]
    public async Task Listener_WhenABatchHoldsMalformedMessages_PoisonsThemAndKeepsDeliveringAndServing()
    {
        await using var world = await DeliveryWorld.StartAsync();

        // A batch with a real job first, one as an earlier version queued it (Base64 of the JSON) and the three kinds of
        // garbage behind them, leased together by the first poll.
        await world.StartHostAsync(QuickRetries, ("LocalHost:RunQueueListener", "false"));
        var submitted = await world.SubmitAsync(2);
        var (first, legacy) = (submitted[0], submitted[1]);
        var raw = RawClient(world, StorageNames.OutboundQueue);
        var legacyJob = await TakeJobAsync(raw, legacy.Id);
        await raw.SendMessageAsync(Convert.ToBase64String(legacyJob.ToArray()));
        foreach (var text in new[] { NotJson, Base64NotJson, NotAJob })
        {
            await raw.SendMessageAsync(text);
        }

        await world.StopHostAsync();
        // Without the poison watcher, which would take the poisoned messages off the queue before the test counts them.
        var host = await world.StartHostAsync(QuickRetries, ("Sweeper:Enabled", "false"));
        var started = Stopwatch.StartNew();

        var poisoned = await WaitForPoisonAsync(world, count: 3, TimeSpan.FromSeconds(60), host);
        await world.Sink.WaitForMessagesAsync(1, m => m.Recipients.Contains(first.Recipient), TimeSpan.FromSeconds(60));
        await world.Sink.WaitForMessagesAsync(1, m => m.Recipients.Contains(legacy.Recipient), TimeSpan.FromSeconds(60));

        // Still serving: the API answers, and a message submitted after the garbage is delivered too.
        var second = (await world.SubmitAsync(1))[0];
        await world.Sink.WaitForMessagesAsync(1, m => m.Recipients.Contains(second.Recipient), TimeSpan.FromSeconds(60));
        var states = await world.WaitUntilFinalAsync([first, legacy, second], DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30));

        foreach (var (text, at) in poisoned)
        {
            output.WriteLine($"poisoned after {at.TotalSeconds:F1} s: '{text}'");
        }

        output.WriteLine($"the three good messages final after {started.Elapsed.TotalSeconds:F1} s: {string.Join(", ", states.Select(s => s.Status))}");
        Assert.True(host.IsRunning, host.Output);
        Assert.Equal(new[] { NotJson, Base64NotJson, NotAJob }.Order(), poisoned.Select(p => p.Text).Order());
        Assert.All(states, s => Assert.Equal("delivered", s.Status));
        Assert.Equal(0, (await raw.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        using var health = await host.Client.GetAsync("/api/openapi.json");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        // What matches the Functions host with messageEncoding "none": every text reaches the function, and text that is no
        // job (whatever its encoding) fails it maxDequeueCount (3) times before it is poisoned.
        var log = host.Output;
        Assert.Empty(Lines(log, "[4006]"));
        Assert.Equal(3, Lines(log, "[4004]").Count(l => l.Contains("after 3 attempts", StringComparison.Ordinal)));
        Assert.Equal(2 + (3 * 3) + 1, Lines(log, "[4012] Executing DeliverMessage").Count); // the three jobs once each, the three bad ones three times each
    }

    // Receives the one job of a message off the queue (deleting it) and gives its text; every other job stays.
    private static async Task<BinaryData> TakeJobAsync(QueueClient queue, string messageId)
    {
        for (var poll = 0; poll < 50; poll++)
        {
            foreach (var message in (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value)
            {
                if (OutboundQueue.Deserialize(message.Body).MessageId == messageId)
                {
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                    return message.Body;
                }

                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No job of {messageId} on {queue.Name}.");
    }

    [Fact]
    public async Task Listener_WhenStorageHoldsOnlyGarbageAtStart_StartsAndPoisonsIt()
    {
        // The old failure: the leased batch crashed the host again at every restart.
        await using var world = await DeliveryWorld.StartAsync();
        var raw = RawClient(world, StorageNames.OutboundQueue);
        await raw.CreateIfNotExistsAsync();
        for (var i = 0; i < 20; i++)
        {
            await raw.SendMessageAsync(NotJson + i);
        }

        // Without the poison watcher, which would take the poisoned messages off the queue before the test counts them.
        var host = await world.StartHostAsync(QuickRetries, ("Sweeper:Enabled", "false"));
        var poisoned = await WaitForPoisonAsync(world, count: 20, TimeSpan.FromSeconds(60), host);

        output.WriteLine($"20 messages that are no job poisoned within {poisoned.Max(p => p.At).TotalSeconds:F1} s of the host's start");
        Assert.True(host.IsRunning, host.Output);
        var message = (await world.SubmitAsync(1))[0];
        await world.Sink.WaitForMessagesAsync(1, m => m.Recipients.Contains(message.Recipient), TimeSpan.FromSeconds(60));
    }

    private static QueueClient RawClient(DeliveryWorld world, string queue) =>
        new(world.Azurite.ConnectionString, queue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });

    private static List<string> Lines(string log, string marker) =>
        log.Split('\n').Where(l => l.Contains(marker, StringComparison.Ordinal)).ToList();

    /// <summary>Reads poison messages as they arrive (deleting them), with the time each was first seen.</summary>
    private static async Task<List<(string Text, TimeSpan At)>> WaitForPoisonAsync(DeliveryWorld world, int count, TimeSpan timeout, LocalHostProcess host)
    {
        var poison = RawClient(world, StorageNames.OutboundPoisonQueue);
        var clock = Stopwatch.StartNew();
        var seen = new List<(string, TimeSpan)>();
        while (seen.Count < count)
        {
            if (clock.Elapsed > timeout || !host.IsRunning)
            {
                throw new TimeoutException($"{seen.Count} of {count} messages reached outbound-poison (host running: {host.IsRunning}).\n{host.Output}");
            }

            if ((await poison.ExistsAsync()).Value)
            {
                foreach (var message in (await poison.ReceiveMessagesAsync(32)).Value)
                {
                    seen.Add((message.MessageText, clock.Elapsed));
                    await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                }
            }

            await Task.Delay(100);
        }

        return seen;
    }
}
