using System.Text.Json.Serialization;

namespace SmtpFunctions.Core.Delivery;

/// <summary>One queue message on <c>outbound</c>: deliver one stored message to the pending recipients of one domain.</summary>
/// <remarks>
/// Small by design (a few hundred octets, and a small message's MIME): queue messages are limited to 64 KB, so a larger
/// message's MIME is read from its blob.
/// </remarks>
public sealed record DeliveryJob
{
    /// <summary>Schema version of this record written today: its message's status rows have RowKeys that carry the message id.</summary>
    public const int CurrentVersion = 2;

    /// <summary>
    /// Schema version of this record: 1 for jobs written before status RowKeys carried the message id (their rows are read
    /// under the legacy keys), <see cref="CurrentVersion"/> since.
    /// </summary>
    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    /// <summary>Whether this job's status rows have the legacy RowKeys.</summary>
    [JsonIgnore]
    public bool LegacyRowKeys => Version < CurrentVersion;

    /// <summary><see cref="Kind"/> of a job that collects a message's unreported failures into one DSN.</summary>
    public const string BounceKind = "bounce";

    /// <summary>
    /// What the job does: null to deliver to <see cref="Recipients"/> of <see cref="Domain"/>; <see cref="BounceKind"/> to
    /// send one DSN for every recipient of the message that failed and is not reported yet (then Domain and Recipients
    /// are empty).
    /// </summary>
    [JsonPropertyName("kind")]
    public string? Kind { get; init; }

    /// <summary>Message id (status partition).</summary>
    [JsonPropertyName("id")]
    public required string MessageId { get; init; }

    /// <summary>Token of the submission attempt; a job whose token is not the committed one is an orphan and is dropped.</summary>
    [JsonPropertyName("token")]
    public required string SubmissionToken { get; init; }

    /// <summary>Recipient domain (ASCII, lower-case).</summary>
    [JsonPropertyName("domain")]
    public required string Domain { get; init; }

    /// <summary>Recipients of <see cref="Domain"/> still to deliver, envelope form.</summary>
    [JsonPropertyName("rcpt")]
    public required IReadOnlyList<string> Recipients { get; init; }

    /// <summary>Envelope sender; null for the null reverse-path of a DSN.</summary>
    [JsonPropertyName("from")]
    public string? Sender { get; init; }

    /// <summary>Blob holding the MIME.</summary>
    [JsonPropertyName("blob")]
    public required string BlobName { get; init; }

    /// <summary>
    /// The stored MIME itself, octet for octet the blob's (<see cref="Options.SubmissionOptions.InlineContentMaxBytes"/>), on
    /// jobs of small messages; null: delivery reads <see cref="BlobName"/>. Copies of the job (retries, deferrals) keep it:
    /// the blob of a submission never changes.
    /// </summary>
    [JsonPropertyName("mime")]
    public byte[]? Content { get; init; }

    /// <summary>Stored size in octets (for SIZE, RFC 1870).</summary>
    [JsonPropertyName("size")]
    public long Size { get; init; }

    /// <summary>The envelope or headers need SMTPUTF8 (RFC 6531).</summary>
    [JsonPropertyName("utf8")]
    public bool RequiresSmtpUtf8 { get; init; }

    /// <summary>The body has 8-bit octets (BODY=8BITMIME, RFC 6152).</summary>
    [JsonPropertyName("8bit")]
    public bool EightBit { get; init; }

    /// <summary>When the message was accepted: the retry schedule and queue lifetime count from here.</summary>
    [JsonPropertyName("submitted")]
    public DateTimeOffset SubmittedAt { get; init; }

    /// <summary>
    /// The suppression list the recipients are checked against and a permanent failure is recorded on (a tenant id,
    /// <see cref="Suppression.SuppressionLists.For"/>); null on jobs written before lists were per tenant: the default tenant's.
    /// </summary>
    [JsonPropertyName("sup")]
    public string? SuppressionList { get; init; }

    /// <summary><see cref="SuppressionList"/>, or the default tenant's for a job that names none.</summary>
    [JsonIgnore]
    public string SuppressionListId => SuppressionList ?? Tenants.TenantIds.Default;

    /// <summary>Delivery round: 0 for the first attempt, then one more for each re-enqueue.</summary>
    [JsonPropertyName("round")]
    public int Round { get; init; }

    /// <summary>
    /// The ETag each recipient's row got from the submission's commit (address → ETag), on a first-round job sent after
    /// the commit; null on every other job. While a row still has it, it is exactly as committed (queued, round 0, this
    /// submission's token, no lease): delivery claims it with that ETag and no read. Any change since (another copy's
    /// claim, the sweeper, an older layout) makes the claim fail with 412, and the job reads the rows as any other does.
    /// </summary>
    [JsonPropertyName("etags")]
    public IReadOnlyDictionary<string, string>? CommittedETags { get; init; }

    /// <summary>
    /// The event sequence number the commit gave the rows of <see cref="CommittedETags"/> (1 when events were on, their
    /// accepted event; null: 0). The claim rebuilds the committed row, so it must know it.
    /// </summary>
    [JsonPropertyName("eseq")]
    public int? CommittedEventSeq { get; init; }

    /// <summary>
    /// This job without <see cref="CommittedETags"/> and <see cref="CommittedEventSeq"/>: for a copy whose rows are no
    /// longer as committed (a retry, a come-back copy, a bounce collection), which reads them instead of trying a stale claim.
    /// </summary>
    public DeliveryJob WithoutCommittedRows() => this with { CommittedETags = null, CommittedEventSeq = null };

    /// <summary>When this job was meant to run (null on a first-round job: <see cref="SubmittedAt"/>); queue age counts from here.</summary>
    [JsonPropertyName("due")]
    public DateTimeOffset? DueAt { get; init; }
}
