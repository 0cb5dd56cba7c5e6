using Azure;
using Azure.Data.Tables;

namespace SmtpFunctions.Core.Status;

/// <summary>The message row of a status partition (PartitionKey = message id, RowKey = <see cref="RowKeyFor"/> of it).</summary>
/// <remarks>
/// It is written last at submission: its presence is what makes a message (and its jobs) real. The RowKey carries the
/// message id so that it is unique across the table: Azurite looks entities up by RowKey first, and one RowKey shared by
/// every message row made each point read scan them all.
/// </remarks>
public sealed class MessageEntity : ITableEntity
{
    /// <summary>Prefix of the message row's RowKey; recipient rows (<c>r:</c>) sort after it.</summary>
    public const string RowKeyPrefix = "m:";

    /// <summary>RowKey of the message row in partitions committed before RowKeys carried the message id.</summary>
    public const string LegacyRowKey = "m";

    /// <inheritdoc />
    public string PartitionKey { get; set; } = "";

    /// <inheritdoc />
    public string RowKey { get; set; } = "";

    /// <inheritdoc />
    public DateTimeOffset? Timestamp { get; set; }

    /// <inheritdoc />
    public ETag ETag { get; set; }

    /// <summary>The RowKey of a message's row.</summary>
    public static string RowKeyFor(string messageId)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        return RowKeyPrefix + messageId;
    }

    /// <summary>Whether a RowKey is a message row's, in either layout.</summary>
    public static bool IsMessageRowKey(string rowKey) =>
        rowKey == LegacyRowKey || rowKey.StartsWith(RowKeyPrefix, StringComparison.Ordinal);

    /// <summary>The body has 8-bit octets (BODY=8BITMIME): what a job rebuilt from this row (a re-drive) must say.</summary>
    public bool EightBit { get; set; }

    /// <summary>When the message was accepted.</summary>
    public DateTimeOffset SubmittedAt { get; set; }

    /// <summary>Envelope sender; empty for the null sender.</summary>
    public string Sender { get; set; } = "";

    /// <summary>Which door (<see cref="Submission.SubmissionSource"/>).</summary>
    public string Source { get; set; } = "";

    /// <summary>Stored size in octets.</summary>
    public long Size { get; set; }

    /// <summary>Blob holding the MIME.</summary>
    public string BlobName { get; set; } = "";

    /// <summary>Random token of the submission attempt that committed; jobs carrying another token are orphans.</summary>
    public string SubmissionToken { get; set; } = "";

    /// <summary>SHA-256 of the submitted body, to tell an idempotent replay from a conflicting reuse of the key.</summary>
    public string BodyHash { get; set; } = "";

    /// <summary>The Message-ID header (without brackets).</summary>
    public string HeaderMessageId { get; set; } = "";

    /// <summary>Number of distinct recipients.</summary>
    public int RecipientCount { get; set; }

    /// <summary>True when the envelope or headers need SMTPUTF8.</summary>
    public bool RequiresSmtpUtf8 { get; set; }

    /// <summary>The recipients and their statuses as first answered (JSON), for idempotent replays.</summary>
    public string AcceptedRecipientsJson { get; set; } = "[]";

    /// <summary>
    /// The tenant that submitted the message (<see cref="Tenants.TenantIds"/>); empty on rows written before tenants,
    /// which belong to the default tenant (<see cref="OwnerTenantId"/>).
    /// </summary>
    public string TenantId { get; set; } = "";

    /// <summary>The tenant the message belongs to, rows from before tenants included.</summary>
    public string OwnerTenantId() => TenantId.Length == 0 ? Tenants.TenantIds.Default : TenantId;

    /// <summary>
    /// The suppression list the message's recipients are checked against and fed into, when it is not its tenant's (a
    /// DSN's, which the system submits for the original's tenant); empty: <see cref="SuppressionListId"/> derives it.
    /// </summary>
    public string SuppressionList { get; set; } = "";

    /// <summary>The message's suppression list: <see cref="SuppressionList"/>, else its tenant's.</summary>
    public string SuppressionListId() => SuppressionList.Length > 0 ? SuppressionList : Suppression.SuppressionLists.For(OwnerTenantId());

    /// <summary>How the message was signed ("unsigned", or the DKIM domains and selectors).</summary>
    public string Dkim { get; set; } = "unsigned";

    /// <summary>The submission's metadata (a few string key/values), as a JSON object; empty when none was given. Events carry it.</summary>
    public string MetadataJson { get; set; } = "";

    /// <summary>The submission's tags, as a JSON array; empty when none were given. Events carry them.</summary>
    public string TagsJson { get; set; } = "";
}
