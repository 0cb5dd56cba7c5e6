using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// What a one-recipient message costs in storage requests, counted on the wire: submission writes the blob (which files
/// the message in the sweeper's index by its tag), the commit and one job; delivery claims and records the outcome (two table operations, no read) and sends the MIME its job carries (no blob
/// read for a small message; one for a message over <c>Submission:InlineContentMaxBytes</c>).
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class RequestBudgetTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Theory]
    [InlineData("16384", 0)]
    [InlineData("0", 1)]
    public async Task OneRecipient_SubmitsInThreeRequests_AndIsDeliveredWithTwoTableOperations_AndABlobReadOnlyWithoutInlineContent(string inlineContentMaxBytes, int blobReads)
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("budget.test", sink.Address));
        var requests = new RequestCountingPolicy();
        await using var host = await DeliveryHost.StartAsync(azurite.Azurite.ConnectionString, output, new Dictionary<string, string?>
        {
            ["Delivery:Port"] = world.Port.ToString(CultureInfo.InvariantCulture),
            ["Routing:NameServers"] = $"{world.Dns.EndPoint.Address}:{world.Dns.EndPoint.Port}",
            ["Submission:InlineContentMaxBytes"] = inlineContentMaxBytes,
        }, services => services.AddSingleton<Azure.Core.Pipeline.HttpPipelinePolicy>(requests));
        await host.Queue.Client.ClearMessagesAsync();

        // The first submission fills the per-instance caches (the tenant's domains, the global suppression list, the
        // recipient domain's suppressions); the second, to a new address of that domain, is the steady state.
        await host.SubmitJsonAsync("""{"from":"sender@sender.test","to":["first@budget.test"],"subject":"Warm","text":"Hello."}""");
        requests.Reset();
        var receipt = await host.SubmitJsonAsync("""{"from":"sender@sender.test","to":["rcpt@budget.test"],"subject":"Budget","text":"Hello."}""");
        var atSubmission = requests.Requests;
        var job = await host.TakeNextVisibleJobAsync(TimeSpan.FromSeconds(30));
        while (job.MessageId != receipt.MessageId)
        {
            job = await host.TakeNextVisibleJobAsync(TimeSpan.FromSeconds(30));
        }

        requests.Reset();
        await host.Handler.HandleAsync(OutboundQueue.Serialize(job), 1, CancellationToken.None);
        var atDelivery = requests.Requests;

        output.WriteLine($"submission: {Describe(atSubmission)}");
        output.WriteLine($"delivery (the queue's receive and delete aside): {Describe(atDelivery)}");
        Assert.Single(sink.ReadAcceptedMessages(), m => System.Text.Encoding.UTF8.GetString(m.Bytes).Contains("Subject: Budget", StringComparison.Ordinal));
        var view = await host.Status.GetViewAsync(receipt.MessageId, CancellationToken.None);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view!.Recipients).Status);
        // Blob (tagged: the index entry), commit, job, and no read.
        Assert.Equal(3, atSubmission.Count);
        Assert.DoesNotContain(atSubmission, r => r.Resource == StorageNames.ScheduleTable);
        Assert.DoesNotContain(atSubmission, r => r.Method == "GET");
        Assert.Equal(1, atSubmission.Count(r => r.Port == azurite.Azurite.BlobPort));
        var filed = Assert.Single(await host.Get<SmtpFunctions.Core.Sweeping.SweepIndex>().EntriesOfAsync(receipt.MessageId, CancellationToken.None));
        Assert.Equal(view.SubmittedAt + host.Get<Microsoft.Extensions.Options.IOptions<SmtpFunctions.Core.Options.SweeperOptions>>().Value.FirstCheckDelay, filed.DueAt);
        Assert.NotNull(filed.BlobName);
        Assert.Equal(1, atSubmission.Count(r => r.Port == azurite.Azurite.QueuePort));
        // No status read before the claim: the job carries the commit's ETag.
        var tableOperations = atDelivery.Where(r => r.Port == azurite.Azurite.TablePort).ToList();
        // Claim and outcome, each one row's conditional replace rather than a one-entity transaction.
        Assert.Equal(["PUT", "PUT"], tableOperations.Select(r => r.Method));
        Assert.Equal(Enumerable.Repeat("GET", blobReads), atDelivery.Where(r => r.Port == azurite.Azurite.BlobPort).Select(r => r.Method));
        Assert.DoesNotContain(atDelivery, r => r.Port == azurite.Azurite.QueuePort);
    }

    private static string Describe(IReadOnlyList<(string Method, string Resource, int Port)> requests) =>
        $"{requests.Count} requests ({string.Join(", ", requests.Select(r => $"{r.Method} {r.Resource}"))})";
}
