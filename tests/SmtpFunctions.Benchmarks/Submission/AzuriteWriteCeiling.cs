using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using SmtpFunctions.Benchmarks.Measurement;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Core.Sweeping;
using SmtpFunctions.Testing.Azurite;

namespace SmtpFunctions.Benchmarks.Submission;

/// <summary>
/// The most Azurite can take of what one acceptance writes — a tagged blob as large as the one ours stored, a two-entity
/// table transaction and a queue message (carrying the MIME, as any message under 16 KiB does), byte for byte and in the
/// order our submission path makes them — done by a minimal client with nothing else in the way. Our rate is judged
/// against this.
/// </summary>
public sealed class AzuriteWriteCeiling(string connectionString)
{
    // SweeperOptions' default: the tag's value has the same length whatever it is, but keep it the one submission sends.
    private static readonly TimeSpan FirstCheckDelay = new SmtpFunctions.Core.Options.SweeperOptions().FirstCheckDelay;

    private static readonly int InlineContentMaxBytes = new SmtpFunctions.Core.Options.SubmissionOptions().InlineContentMaxBytes;

    private readonly BlobContainerClient _blobs = new(connectionString, "ceiling-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly QueueClient _queue = new(connectionString, "ceiling-" + Guid.NewGuid().ToString("N")[..8], new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
    private readonly TableClient _table = new(connectionString, "ceiling" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>What a ceiling run measured: the rate, and CPU per 1,000 acceptances of this process and of Azurite.</summary>
    public sealed record Measured(LoadRunner.Result Result, double ClientCpuPerThousand, double AzuriteCpuPerThousand);

    /// <summary>
    /// Runs the ceiling on a fresh Azurite of its own, so that neither run slows the other (Azurite gets slower with what
    /// it holds and with what was deleted from it), and measures this process's and Azurite's CPU during the run. The
    /// first <paramref name="warm"/> acceptances are not measured: they fill Azurite as the host's warm-up filled its own
    /// (its table gets slower as it grows), and warm up this process. With <paramref name="perSecond"/> the measured
    /// acceptances are paced at that rate, as the host's were.
    /// </summary>
    public static async Task<Measured> OnOwnAzuriteAsync(int warm, int count, int concurrency, int mimeBytes, bool processPerService, CancellationToken cancellationToken, double? perSecond = null)
    {
        await using var azurite = await AzuriteProcess.StartAsync(inMemory: true, processPerService);
        var ceiling = new AzuriteWriteCeiling(azurite.ConnectionString);
        await ceiling.CreateAsync(cancellationToken);
        await ceiling.WriteAsync(warm, concurrency, mimeBytes, cancellationToken);
        var clientCpu = ProcessCpu.Of(Environment.ProcessId);
        var azuriteCpu = azurite.CpuTime();
        var result = await ceiling.WriteAsync(count, concurrency, mimeBytes, cancellationToken, perSecond);
        clientCpu = ProcessCpu.Of(Environment.ProcessId) - clientCpu;
        azuriteCpu = azurite.CpuTime() - azuriteCpu;
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

    // The same requests an acceptance makes, with the same bodies and headers, in the same order as SubmissionService: the
    // MIME blob with its content type and the sweeper's filing tag, then the MessageEntity + RecipientEntity transaction,
    // then the delivery job as OutboundQueue sends it (JSON text, no expiry) carrying the ETag the commit gave the row.
    /// <summary>Makes <paramref name="count"/> acceptances' requests with <paramref name="concurrency"/> workers (after <see cref="CreateAsync"/>).</summary>
    internal Task<LoadRunner.Result> WriteAsync(int count, int concurrency, int mimeBytes, CancellationToken cancellationToken, double? perSecond = null)
    {
        var mime = BinaryData.FromBytes(new byte[mimeBytes]);
        return LoadRunner.RunAsync(count, concurrency, async (i, ct) =>
        {
            var now = DateTimeOffset.UtcNow;
            var id = Guid.NewGuid().ToString("N");
            var token = Guid.NewGuid().ToString("N");
            var blobName = MessageBlobs.NameFor(id, token);
            var blobOptions = new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "message/rfc822" },
                Tags = SweepIndex.FilingTagsFor(now + FirstCheckDelay, now),
            };
            await _blobs.GetBlobClient(blobName).UploadAsync(mime, blobOptions, ct);
            var committed = await _table.SubmitTransactionAsync(Rows(id, token, blobName, mimeBytes, now), ct);
            // A message this small rides in its job as submission sends it (Submission:InlineContentMaxBytes).
            var job = Job(id, token, blobName, mimeBytes, now) with
            {
                Content = mimeBytes <= InlineContentMaxBytes ? mime.ToArray() : null,
                CommittedETags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
                {
                    ["sink@example.net"] = committed.Value[1].Headers.ETag.ToString()!,
                },
            };
            await _queue.SendMessageAsync(OutboundQueue.Serialize(job), null, TimeSpan.FromSeconds(-1), ct);
            return true;
        }, cancellationToken, perSecond);
    }

    /// <summary>The delivery job of one acceptance with one recipient.</summary>
    internal static DeliveryJob Job(string id, string token, string blobName, int mimeBytes, DateTimeOffset now) => new()
    {
        MessageId = id,
        SubmissionToken = token,
        Domain = "example.net",
        Recipients = ["sink@example.net"],
        Sender = "load@example.com",
        BlobName = blobName,
        Size = mimeBytes,
        SubmittedAt = now,
    };

    /// <summary>The status rows of one acceptance with one recipient, as <see cref="SubmissionService"/> writes them.</summary>
    internal static TableTransactionAction[] Rows(string id, string token, string blobName, int mimeBytes, DateTimeOffset now) =>
    [
        new(TableTransactionActionType.Add, MessageRow(id, token, blobName, mimeBytes, now)),
        new(TableTransactionActionType.Add, RecipientRow(id, now).ToRow()),
    ];

    /// <summary>The message row of one acceptance with one recipient.</summary>
    internal static MessageEntity MessageRow(string id, string token, string blobName, int mimeBytes, DateTimeOffset now) => new()
    {
        PartitionKey = id,
        RowKey = MessageEntity.RowKeyFor(id),
        SubmittedAt = now,
        Sender = "load@example.com",
        Source = "smtp",
        Size = mimeBytes,
        BlobName = blobName,
        SubmissionToken = token,
        BodyHash = new string('0', 64),
        HeaderMessageId = "3a50.0003.0000@source.bench.test",
        RecipientCount = 1,
        AcceptedRecipientsJson = "[{\"Address\":\"sink@example.net\",\"Status\":\"queued\"}]",
    };

    /// <summary>The recipient row of that acceptance.</summary>
    internal static RecipientEntity RecipientRow(string id, DateTimeOffset now) => new()
    {
        PartitionKey = id,
        RowKey = RecipientEntity.RowKeyFor(id, "sink@example.net"),
        Address = "sink@example.net",
        Domain = "example.net",
        Status = RecipientStatus.Queued,
        UpdatedAt = now,
    };

    /// <summary>
    /// The size of a MIME blob the host under test stored on that Azurite. The benchmark's messages are all alike, so one
    /// tells how many octets the ceiling must write and carry in its jobs to make the same writes as ours.
    /// </summary>
    public static async Task<int> StoredMimeBytesAsync(string connectionString, CancellationToken cancellationToken)
    {
        var container = new BlobContainerClient(connectionString, StorageNames.MessagesContainer);
        await foreach (var blob in container.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            return checked((int)(blob.Properties.ContentLength ?? throw new InvalidOperationException($"Blob {blob.Name} has no length.")));
        }

        throw new InvalidOperationException("The host stored no message blob to size the ceiling's writes by.");
    }

    /// <summary>Creates the container, queue and table the writes go to.</summary>
    internal async Task CreateAsync(CancellationToken cancellationToken)
    {
        await _blobs.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await _table.CreateIfNotExistsAsync(cancellationToken);
    }
}
