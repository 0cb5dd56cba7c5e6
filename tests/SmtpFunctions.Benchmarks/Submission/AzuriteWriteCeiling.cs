using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using SmtpFunctions.Benchmarks.Measurement;

namespace SmtpFunctions.Benchmarks.Submission;

/// <summary>
/// The most Azurite can take of what one acceptance writes — a 2 KB blob, a queue message and a two-entity table
/// transaction — done by a minimal client with nothing else in the way. Our rate is judged against this.
/// </summary>
public sealed class AzuriteWriteCeiling(string connectionString)
{
    private readonly BlobContainerClient _blobs = new(connectionString, "ceiling-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly QueueClient _queue = new(connectionString, "ceiling-" + Guid.NewGuid().ToString("N")[..8], new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
    private readonly TableClient _table = new(connectionString, "ceiling" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Runs <paramref name="count"/> acceptances' worth of writes with <paramref name="concurrency"/> workers.</summary>
    public async Task<LoadRunner.Result> RunAsync(int count, int concurrency, int mimeBytes, CancellationToken cancellationToken)
    {
        await _blobs.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await _table.CreateIfNotExistsAsync(cancellationToken);
        var mime = BinaryData.FromBytes(new byte[mimeBytes]);
        var job = BinaryData.FromString(new string('j', 420));
        try
        {
            return await LoadRunner.RunAsync(count, concurrency, async (i, ct) =>
            {
                var id = Guid.NewGuid().ToString("N");
                await _blobs.GetBlobClient($"{id}/{id}.eml").UploadAsync(mime, ct);
                await _queue.SendMessageAsync(job, cancellationToken: ct);
                await _table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(id, "m") { ["Sender"] = "alice@example.com", ["Size"] = mimeBytes, ["Token"] = id, ["Recipients"] = new string('r', 80) }),
                    new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(id, "r:bob%40example.net") { ["Address"] = "bob@example.net", ["Domain"] = "example.net", ["Status"] = "queued", ["Attempts"] = 0 }),
                ], ct);
                return true;
            }, cancellationToken);
        }
        finally
        {
            await _queue.DeleteIfExistsAsync(CancellationToken.None);
            await _blobs.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            await _table.DeleteAsync(CancellationToken.None);
        }
    }
}
