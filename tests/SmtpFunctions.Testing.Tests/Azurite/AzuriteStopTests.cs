using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using SmtpFunctions.Testing.Azurite;

namespace SmtpFunctions.Testing.Tests.Azurite;

// The storage-outage tests stop Azurite and start it again on its data folder, and count on finding what was written
// just before the stop. The standalone azurite-table of a process per service saves its tables on SIGINT only; SIGTERM
// killed it with the last writes unsaved.
public sealed class AzuriteStopTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WritesJustBeforeAStop_AreThereAfterTheRestart(bool processPerService)
    {
        await using var azurite = await AzuriteProcess.StartAsync(inMemory: false, processPerService);
        var table = new TableClient(azurite.ConnectionString, "stoptest");
        var queue = new QueueClient(azurite.ConnectionString, "stoptest");
        var container = new BlobContainerClient(azurite.ConnectionString, "stoptest");
        await table.CreateIfNotExistsAsync();
        await queue.CreateIfNotExistsAsync();
        await container.CreateIfNotExistsAsync();

        await table.AddEntityAsync(new TableEntity("p", "r") { ["Value"] = "written last" });
        await queue.SendMessageAsync("written last");
        await container.GetBlobClient("b").UploadAsync(BinaryData.FromString("written last"));
        await azurite.StopAsync();
        await azurite.RestartAsync();

        var entity = await table.GetEntityIfExistsAsync<TableEntity>("p", "r");
        Assert.True(entity.HasValue, "the table entity written just before the stop is gone");
        Assert.Equal("written last", entity.Value!.GetString("Value"));
        var peeked = await queue.PeekMessagesAsync(maxMessages: 10);
        Assert.Equal(["written last"], peeked.Value.Select(m => m.Body.ToString()));
        var blob = await container.GetBlobClient("b").DownloadContentAsync();
        Assert.Equal("written last", blob.Value.Content.ToString());
    }
}
