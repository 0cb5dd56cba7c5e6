using Azure;
using Azure.Data.Tables;

namespace SmtpFunctions.Core.Status;

/// <summary>One recipient's row in the message's status partition.</summary>
public sealed class RecipientEntity : ITableEntity
{
    /// <summary>Prefix of recipient RowKeys.</summary>
    public const string RowKeyPrefix = "r:";

    /// <inheritdoc />
    public string PartitionKey { get; set; } = "";

    /// <inheritdoc />
    public string RowKey { get; set; } = "";

    /// <inheritdoc />
    public DateTimeOffset? Timestamp { get; set; }

    /// <inheritdoc />
    public ETag ETag { get; set; }

    /// <summary>Envelope address (ASCII domain).</summary>
    public string Address { get; set; } = "";

    /// <summary>ASCII domain, lower-case.</summary>
    public string Domain { get; set; } = "";

    /// <summary>
    /// Token of the submission whose commit wrote this row, as on the message row; empty on rows committed before
    /// recipient rows carried it. Lets delivery tell a committed job from an orphan without reading the message row.
    /// </summary>
    public string SubmissionToken { get; set; } = "";

    /// <summary>One of <see cref="RecipientStatus"/>.</summary>
    public string Status { get; set; } = RecipientStatus.Queued;

    /// <summary>Delivery attempts made so far.</summary>
    public int Attempts { get; set; }

    /// <summary>The last reply or error, as text ("250 2.0.0 Ok: queued as …", "connection refused").</summary>
    public string? LastResponse { get; set; }

    /// <summary>SMTP reply code of the last attempt, if a peer answered.</summary>
    public int? LastReplyCode { get; set; }

    /// <summary>Enhanced status code (RFC 3463) of the last attempt, e.g. <c>5.1.1</c>.</summary>
    public string? LastEnhancedCode { get; set; }

    /// <summary>MX host (and address) the last attempt talked to.</summary>
    public string? MxHost { get; set; }

    /// <summary>Whether the last session used TLS.</summary>
    public bool? Tls { get; set; }

    /// <summary>TLS protocol and cipher, and any certificate problem accepted under opportunistic TLS.</summary>
    public string? TlsDetails { get; set; }

    /// <summary>Last change.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When the recipient's MX accepted it.</summary>
    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>When the next attempt is due, while deferred.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>
    /// The delivery round the recipient is scheduled for (a fencing token): a job of an earlier round is a stale copy
    /// (a redelivered original whose retry was already enqueued, or a job the sweeper re-drove) and leaves the recipient
    /// alone. Raised with each retry and each re-drive.
    /// </summary>
    public int Round { get; set; }

    /// <summary>The attempt that holds the recipient while it is <see cref="RecipientStatus.Delivering"/>.</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>Until when <see cref="LeaseOwner"/> holds it; renewed while its attempt runs, taken over once past.</summary>
    public DateTimeOffset? LeaseUntil { get; set; }

    /// <summary>Failed for good and not yet reported: the next bounce collection for the message puts it in a DSN.</summary>
    public bool DsnPending { get; set; }

    /// <summary>
    /// How many times a job for this recipient landed in the poison queue (its handling failed over and over). The poison
    /// watcher re-drives it while this is within <c>Sweeper:MaxPoisonRedrives</c>, then fails it for good.
    /// </summary>
    public int PoisonCount { get; set; }

    /// <summary>
    /// The number of the recipient's last event (1 for its first, accepted or suppressed, written by the commit). Raised in
    /// the same write as each status change that is an event, which carries the event's intent beside it.
    /// </summary>
    public int EventSeq { get; set; }

    /// <summary>
    /// A recipient row as written: only the properties that have a value. The SDK's typed path writes every property, and
    /// a fresh row's nine unset ones went out as <c>"LastResponse":null</c> and the like on every commit, claim and
    /// outcome. Neither Azure nor Azurite stores a null, so they only cost octets, and parsing on both sides.
    /// Every write of a recipient row replaces the whole row (insert, or replace by ETag), so an absent property reads back
    /// as null exactly as a null one did. Mapped by hand: a property added above must be added here too.
    /// </summary>
    public TableEntity ToRow()
    {
        var row = new TableEntity(PartitionKey, RowKey)
        {
            [nameof(Address)] = Address,
            [nameof(Domain)] = Domain,
            [nameof(SubmissionToken)] = SubmissionToken,
            [nameof(Status)] = Status,
            [nameof(Attempts)] = Attempts,
            [nameof(UpdatedAt)] = UpdatedAt,
            [nameof(Round)] = Round,
            [nameof(DsnPending)] = DsnPending,
            [nameof(PoisonCount)] = PoisonCount,
            [nameof(EventSeq)] = EventSeq,
        };
        SetIfAny(row, nameof(LastResponse), LastResponse);
        SetIfAny(row, nameof(LastReplyCode), LastReplyCode);
        SetIfAny(row, nameof(LastEnhancedCode), LastEnhancedCode);
        SetIfAny(row, nameof(MxHost), MxHost);
        SetIfAny(row, nameof(Tls), Tls);
        SetIfAny(row, nameof(TlsDetails), TlsDetails);
        SetIfAny(row, nameof(DeliveredAt), DeliveredAt);
        SetIfAny(row, nameof(NextAttemptAt), NextAttemptAt);
        SetIfAny(row, nameof(LeaseOwner), LeaseOwner);
        SetIfAny(row, nameof(LeaseUntil), LeaseUntil);
        return row;
    }

    private static void SetIfAny(TableEntity row, string name, object? value)
    {
        if (value is not null)
        {
            row[name] = value;
        }
    }

    /// <summary>
    /// The row a submission commits for a recipient: the one place it is built, because delivery's claim rebuilds it from
    /// the job (<see cref="Delivery.DeliveryJob.CommittedETags"/>) and replaces it, checked by the commit's ETag, without
    /// reading it first. A property added here at submission must be derivable from the job, or the claim drops it
    /// (<paramref name="eventSeq"/>: the job carries it).
    /// </summary>
    public static RecipientEntity Committed(
        string messageId, string address, string domain, string submissionToken, DateTimeOffset submittedAt, int eventSeq,
        string status = RecipientStatus.Queued, string? lastResponse = null)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(address);
        return new RecipientEntity
        {
            PartitionKey = messageId,
            RowKey = RowKeyFor(messageId, address),
            Address = address,
            Domain = domain,
            SubmissionToken = submissionToken,
            Status = status,
            LastResponse = lastResponse,
            UpdatedAt = submittedAt,
            EventSeq = eventSeq,
        };
    }

    /// <summary>
    /// The RowKey for a recipient of a message: escaped so any local part is a legal key, case-folded like duplicate
    /// detection, and carrying the message id so that it is unique across the table (Azurite looks entities up by RowKey
    /// first: a common address shared by thousands of partitions made each point read scan them).
    /// </summary>
    public static string RowKeyFor(string messageId, string address)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(address);
        return RowKeyPrefix + messageId + ":" + Escape(address);
    }

    /// <summary>The RowKey for an address in partitions committed before RowKeys carried the message id.</summary>
    public static string LegacyRowKeyFor(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return RowKeyPrefix + Escape(address);
    }

    private static string Escape(string address) => Uri.EscapeDataString(address.ToLowerInvariant());
}
