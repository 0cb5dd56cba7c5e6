using System.Net;
using SmtpFunctions.LocalHost.Tests.Recovery;
using SmtpFunctions.Testing.Processes;
using Xunit.Abstractions;

namespace SmtpFunctions.LocalHost.Tests.Events;

/// <summary>
/// Events end to end, every part real: the local host process delivers to Postfix over BIND's zones and posts signed
/// CloudEvents to webhook receivers that run as processes of their own and print what they get.
/// </summary>
[Collection(RecoveryCollection.Name)]
public sealed class EventScenarioTests(ITestOutputHelper output) : IAsyncLifetime
{
    private EventWorld? _world;

    public Task InitializeAsync() => Task.CompletedTask;

    // The host's log goes with every result: what it did is the first thing to read when a wait ran out.
    public Task DisposeAsync()
    {
        if (_world?.Host is { } host)
        {
            output.WriteLine(host.Output);
        }

        return Task.CompletedTask;
    }

    private async Task<EventWorld> WorldAsync()
    {
        _world = await EventWorld.StartAsync();
        return _world;
    }

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    // Per recipient of a message, the distinct events by sequence number (a duplicate repeats an id and is counted apart).
    private static Dictionary<(string MessageId, string Recipient), List<ReceivedRequest>> ByRecipient(IEnumerable<ReceivedRequest> requests) =>
        requests.Where(r => r.Status == 200)
            .GroupBy(r => (r.MessageId!, r.Recipient!.ToLowerInvariant()))
            .ToDictionary(g => g.Key, g => g.GroupBy(r => r.WebhookId).Select(d => d.First()).OrderBy(r => r.SequenceNumber).ToList());

    private static string Types(List<ReceivedRequest> events) => string.Join(",", events.Select(e => e.Type!["smtpfunctions.".Length..]));

    private static bool WithoutGaps(IReadOnlyList<ReceivedRequest> requests) =>
        ByRecipient(requests).Values.All(list => list.Select(e => e.SequenceNumber).SequenceEqual(Enumerable.Range(1, list.Count)));

    private static bool Has(IReadOnlyList<ReceivedRequest> requests, string messageId, string recipient, string type) =>
        requests.Any(r => r.Status == 200 && r.MessageId == messageId && string.Equals(r.Recipient, recipient, StringComparison.OrdinalIgnoreCase) && r.Type == "smtpfunctions." + type);

    [Fact]
    public async Task Scenarios_EachRecipientGetsEveryEventSignedAndInSequence()
    {
        await using var world = await WorldAsync();
        await world.StartHostAsync();
        var (receiver, secret) = await world.StartReceiverAsync();
        var (status, _) = await world.SubscribeAsync(receiver.Url, secret);
        Assert.Equal(HttpStatusCode.Created, status);

        var delivered = await world.SubmitAsync(EventWorld.Delivered);
        var greylisted = await world.SubmitAsync(EventWorld.Greylisted);
        var bounced = await world.SubmitAsync(EventWorld.Unknown);
        var expired = await world.SubmitAsync(EventWorld.Dead);

        // The bounce puts the address on the suppression list; the next message to it is suppressed at once.
        await receiver.WaitUntilAsync(r => Has(r, bounced, EventWorld.Unknown, "dsn.sent"), Wait);
        var suppressed = await world.SubmitAsync(EventWorld.Unknown);
        var requests = await receiver.WaitUntilAsync(
            r => Has(r, delivered, EventWorld.Delivered, "delivered") && Has(r, greylisted, EventWorld.Greylisted, "delivered")
                && Has(r, expired, EventWorld.Dead, "dsn.sent") && Has(r, suppressed, EventWorld.Unknown, "suppressed")
                // An accepted event can come after the later ones (queued before the commit, it is re-checked if it came first).
                && Has(r, delivered, EventWorld.Delivered, "accepted") && Has(r, greylisted, EventWorld.Greylisted, "accepted")
                && Has(r, bounced, EventWorld.Unknown, "accepted") && Has(r, expired, EventWorld.Dead, "accepted")
                // Events are posted in parallel and retried apart, so the last one can land before one in the middle:
                // the wait is over when every recipient's numbers have no gap (a lost event leaves one and times out).
                && WithoutGaps(r),
            Wait);

        // The DSNs are the system's messages (tenant $system): the sender's tenant learns of them by dsn.sent on its own
        // message, and none of the DSNs' own events reach its subscription.
        Assert.DoesNotContain(requests, x => x.Recipient == EventWorld.Sender);

        Assert.All(requests, r => Assert.True(r.Valid, "a request's signature did not verify"));
        var events = ByRecipient(requests);
        foreach (var ((id, recipient), list) in events)
        {
            output.WriteLine($"{id} <{recipient}>: {Types(list)}");
            // No gaps: sequence numbers 1..n, so nothing was lost in between.
            Assert.Equal(Enumerable.Range(1, list.Count), list.Select(e => e.SequenceNumber));
        }

        Assert.Equal("accepted,delivered", Types(events[(delivered, EventWorld.Delivered)]));
        Assert.Matches("^accepted,(deferred,)+delivered$", Types(events[(greylisted, EventWorld.Greylisted)]));
        Assert.Equal("accepted,bounced,dsn.sent", Types(events[(bounced, EventWorld.Unknown)]));
        Assert.Matches("^accepted,(deferred,)+expired,dsn.sent$", Types(events[(expired, EventWorld.Dead)]));
        Assert.Equal("suppressed", Types(events[(suppressed, EventWorld.Unknown)]));
        var bounce = events[(bounced, EventWorld.Unknown)][1];
        Assert.Contains("\"replyCode\":550", bounce.Data, StringComparison.Ordinal);
        Assert.Contains("\"enhancedCode\":\"5.1.1\"", bounce.Data, StringComparison.Ordinal);
        Assert.Contains("\"campaign\":\"spring\"", bounce.Data, StringComparison.Ordinal);
        Assert.Contains("\"tags\":[\"welcome\",\"template:signup-v2\"]", bounce.Data, StringComparison.Ordinal);
        Assert.Contains("\"mxHost\":\"mx.good.test[", events[(delivered, EventWorld.Delivered)][1].Data, StringComparison.Ordinal);
        var deferred = events[(greylisted, EventWorld.Greylisted)][1];
        Assert.Contains("\"nextAttemptAt\":", deferred.Data, StringComparison.Ordinal);
        Assert.Contains("\"attempts\":1", deferred.Data, StringComparison.Ordinal);
        output.WriteLine($"requests {requests.Count}, duplicates {requests.Count(r => r.Duplicate)}");
    }

    [Fact]
    public async Task Receiver_Answering500ForAWhile_GetsEveryEventAfterRetries()
    {
        await using var world = await WorldAsync();
        await world.StartHostAsync();
        var (receiver, secret) = await world.StartReceiverAsync(failFirst: 4);
        Assert.Equal(HttpStatusCode.Created, (await world.SubscribeAsync(receiver.Url, secret, "accepted", "delivered")).Status);

        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await world.SubmitAsync(EventWorld.Delivered));
        }

        var requests = await receiver.WaitUntilAsync(r => ids.All(id => Has(r, id, EventWorld.Delivered, "accepted") && Has(r, id, EventWorld.Delivered, "delivered")), Wait);
        Assert.Equal(4, requests.Count(r => r.Status == 500));
        var events = ByRecipient(requests);
        Assert.All(ids, id => Assert.Equal("accepted,delivered", Types(events[(id, EventWorld.Delivered)])));
        output.WriteLine($"requests {requests.Count}, answered 500: 4, duplicates {requests.Count(r => r.Duplicate)}");
    }

    [Fact]
    public async Task EventMessage_OnEventsPoison_IsRedrivenToTheDispatcherAndReachesTheReceiver()
    {
        await using var world = await WorldAsync();
        await world.StartHostAsync(("Events:PoisonRedriveSchedule", "00:00:01"));
        var (receiver, secret) = await world.StartReceiverAsync();
        Assert.Equal(HttpStatusCode.Created, (await world.SubscribeAsync(receiver.Url, secret)).Status);
        var id = await world.SubmitAsync(EventWorld.Delivered);
        await receiver.WaitUntilAsync(r => r.Any(x => x.MessageId == id && x.Type == "smtpfunctions.delivered"), Wait);

        // What the host's listener leaves on events-poison after maxDequeueCount failures: the accepted message, as queued.
        var messages = new Azure.Data.Tables.TableClient(world.Azurite.ConnectionString, SmtpFunctions.Core.Storage.StorageNames.MessagesTable);
        var row = (await messages.GetEntityAsync<SmtpFunctions.Core.Status.MessageEntity>(id, SmtpFunctions.Core.Status.MessageEntity.RowKeyFor(id))).Value;
        var poison = new Azure.Storage.Queues.QueueClient(
            world.Azurite.ConnectionString, SmtpFunctions.Core.Storage.StorageNames.EventsPoisonQueue, new Azure.Storage.Queues.QueueClientOptions { MessageEncoding = Azure.Storage.Queues.QueueMessageEncoding.None });
        await poison.SendMessageAsync(BinaryData.FromObjectAsJson(new SmtpFunctions.Core.Events.EventQueueMessage
        {
            Kind = SmtpFunctions.Core.Events.EventQueueMessage.AcceptedKind, MessageId = id, SubmissionToken = row.SubmissionToken, SubmittedAt = row.SubmittedAt,
        }));

        // The accepted event comes a second time, with the same webhook-id (a duplicate the receiver de-duplicates).
        var requests = await receiver.WaitUntilAsync(r => r.Count(x => x.MessageId == id && x.Type == "smtpfunctions.accepted") == 2, Wait);
        var accepted = requests.Where(x => x.MessageId == id && x.Type == "smtpfunctions.accepted").ToList();
        Assert.Single(accepted.Select(x => x.WebhookId).Distinct());
        Assert.Contains("[9411]", world.Host.Output, StringComparison.Ordinal);
        Assert.Equal(0, (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Receiver_OnARefusedAddress_IsNeverCalled()
    {
        await using var world = await WorldAsync();
        // Only the mail peers are admitted; 127.0.0.1, where the receiver listens, is not.
        await world.StartHostAsync(("Routing:AllowedNetworks", $"{world.Postfix.Address}/32"));
        var (receiver, secret) = await world.StartReceiverAsync(address: IPAddress.Loopback);

        var (literal, problem) = await world.SubscribeAsync(receiver.Url, secret);
        Assert.Equal(HttpStatusCode.BadRequest, literal);
        Assert.Contains("outbound address policy", problem.GetRawText(), StringComparison.Ordinal);

        // A name is checked where it resolves, on every connection.
        var (named, body) = await world.SubscribeAsync($"http://localhost:{receiver.Port}/hook", secret);
        Assert.Equal(HttpStatusCode.Created, named);
        var id = body.GetProperty("id").GetString();
        var message = await world.SubmitAsync(EventWorld.Delivered);

        string state = "";
        var deadline = DateTime.UtcNow + Wait;
        while (!state.Contains("refuses", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the subscription never recorded the refusal: {state}");
            await Task.Delay(200);
            state = await world.Host.Client.GetStringAsync($"/api/webhooks/{id}");
        }

        output.WriteLine(state);
        Assert.Empty(receiver.Requests());
        Assert.DoesNotContain("listening", receiver.Output.Replace("webhook-receiver listening", "", StringComparison.Ordinal), StringComparison.Ordinal);
        _ = message;
    }
}
