using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using SmtpFunctions.Benchmarks.Measurement;
using SmtpFunctions.Testing.Azurite;

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

    /// <summary>What a ceiling run measured: the rate, and CPU per 1,000 acceptances of this process and of Azurite.</summary>
    public sealed record Measured(LoadRunner.Result Result, double ClientCpuPerThousand, double AzuriteCpuPerThousand);

    /// <summary>
    /// Runs the ceiling on a fresh Azurite of its own, so that neither run slows the other (Azurite gets slower with what
    /// it holds and with what was deleted from it), and measures this process's and Azurite's CPU during the run. The
    /// first <paramref name="warm"/> acceptances are not measured: they fill Azurite as the host's warm-up filled its own
    /// (its table gets slower as it grows), and warm up this process.
    /// </summary>
    public static async Task<Measured> OnOwnAzuriteAsync(int warm, int count, int concurrency, int mimeBytes, CancellationToken cancellationToken)
    {
        await using var azurite = await AzuriteProcess.StartAsync(inMemory: true);
        var ceiling = new AzuriteWriteCeiling(azurite.ConnectionString);
        await ceiling.CreateAsync(cancellationToken);
        await ceiling.WriteAsync(warm, concurrency, mimeBytes, cancellationToken);
        var clientCpu = ProcessCpu.Of(Environment.ProcessId);
        var azuriteCpu = ProcessCpu.Of(azurite.ProcessId);
        var result = await ceiling.WriteAsync(count, concurrency, mimeBytes, cancellationToken);
        clientCpu = ProcessCpu.Of(Environment.ProcessId) - clientCpu;
        azuriteCpu = ProcessCpu.Of(azurite.ProcessId) - azuriteCpu;
        return new Measured(result, clientCpu.TotalSeconds * 1000 / count, azuriteCpu.TotalSeconds * 1000 / count);
    }

    /// <summary>Runs <paramref name="count"/> acceptances' worth of writes with <paramref name="concurrency"/> workers, then deletes what it wrote.</summary>
    public async Task<LoadRunner.Result> RunAsync(int count, int concurrency, int mimeBytes, CancellationToken cancellationToken)
    {
        await CreateAsync(cancellationToken);
        try
        {
            return await WriteAsync(count, concurrency, mimeBytes, cancellationToken);
        }
        finally
        {
            await _queue.DeleteIfExistsAsync(CancellationToken.None);
            await _blobs.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            await _table.DeleteAsync(CancellationToken.None);
        }
    }

    private Task<LoadRunner.Result> WriteAsync(int count, int concurrency, int mimeBytes, CancellationToken cancellationToken)
    {
        var mime = BinaryData.FromBytes(new byte[mimeBytes]);
        var job = BinaryData.FromString(new string('j', 420));
        return LoadRunner.RunAsync(count, concurrency, async (i, ct) =>
        {
            var id = Guid.NewGuid().ToString("N");
            await _blobs.GetBlobClient($"{id}/{id}.eml").UploadAsync(mime, ct);
            await _queue.SendMessageAsync(job, cancellationToken: ct);
            await _table.SubmitTransactionAsync(Rows(id, mimeBytes), ct);
            return true;
        }, cancellationToken);
    }

    /// <summary>The status rows of one acceptance, as a minimal client would write them: a message row and one recipient row.</summary>
    internal static TableTransactionAction[] Rows(string id, int mimeBytes) =>
    [
        new(TableTransactionActionType.Add, new TableEntity(id, "m") { ["Sender"] = "alice@example.com", ["Size"] = mimeBytes, ["Token"] = id, ["Recipients"] = new string('r', 80) }),
        new(TableTransactionActionType.Add, new TableEntity(id, "r:bob%40example.net") { ["Address"] = "bob@example.net", ["Domain"] = "example.net", ["Status"] = "queued", ["Attempts"] = 0 }),
    ];

    private async Task CreateAsync(CancellationToken cancellationToken)
    {
        await _blobs.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await _table.CreateIfNotExistsAsync(cancellationToken);
    }
}
