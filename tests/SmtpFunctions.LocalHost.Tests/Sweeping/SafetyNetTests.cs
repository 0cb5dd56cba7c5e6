using System.Net;
using System.Text.Json;
using Azure.Storage.Queues;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.LocalHost.Tests.Sweeping;

/// <summary>The local host runs the safety net as the function app's timer and poison triggers do.</summary>
public sealed class SafetyNetTests(SafetyNetFixture host) : IClassFixture<SafetyNetFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Sweeper_RedrivesAMessageWhoseJobWasLost()
    {
        var id = await SubmitAsync("lost@example.test");
        await host.Storage.Queues.GetQueueClient(StorageNames.OutboundQueue).ClearMessagesAsync();

        var job = await WaitForAsync(async () => (await host.JobsForAsync(id)).FirstOrDefault(j => j.Round >= 1));

        Assert.Equal(["lost@example.test"], job.Recipients);
        var row = Assert.Single((await host.Status.GetAsync(id, default)).Recipients);
        Assert.True(row.Round >= 1);
    }

    [Fact]
    public async Task PoisonWatcher_RedrivesAPoisonedJob_AndDropsWhatIsNoJob_WithoutStopping()
    {
        var id = await SubmitAsync("poisoned@example.test");
        var outbound = host.Storage.Queues.GetQueueClient(StorageNames.OutboundQueue);
        var poison = host.Storage.Queues.GetQueueClient(StorageNames.OutboundPoisonQueue);
        var job = Assert.Single(await host.JobsForAsync(id));
        await outbound.ClearMessagesAsync();

        // Not JSON, not base64 at all (written raw, as another producer might), then the real job.
        await poison.SendMessageAsync("this is not a delivery job");
        await new QueueClient(host.Azurite.ConnectionString, StorageNames.OutboundPoisonQueue).SendMessageAsync("%% not base64 %%");
        await poison.SendMessageAsync(OutboundQueue.Serialize(job));

        // The row is counted before the re-driven job is sent, so both are waited for.
        var row = await WaitForAsync(async () =>
            Assert.Single((await host.Status.GetAsync(id, default)).Recipients) is { PoisonCount: 1 } r
                && (await host.JobsForAsync(id)).Any(j => j.Round >= 1) ? r : null);
        Assert.Equal(RecipientStatus.Queued, row.Status);
        Assert.Contains(await host.JobsForAsync(id), j => j.Round >= 1);
        using var status = await host.Client.GetAsync($"/api/messages/{id}");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
    }

    private async Task<string> SubmitAsync(string to)
    {
        using var response = await host.Client.PostAsync("/api/messages",
            LocalHostFixture.Json($$"""{"from":"sender@example.test","to":["{{to}}"],"subject":"net","text":"caught"}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe) where T : class
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Not seen within {Patience}.");
    }
}
