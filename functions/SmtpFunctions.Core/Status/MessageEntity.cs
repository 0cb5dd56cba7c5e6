using Azure;
using Azure.Data.Tables;

namespace SmtpFunctions.Core.Status;

/// <summary>The message row of a status partition (PartitionKey = message id, RowKey = <see cref="RowKeyValue"/>).</summary>
/// <remarks>It is written last at submission: its presence is what makes a message (and its jobs) real.</remarks>
public sealed class MessageEntity : ITableEntity
{
    /// <summary>RowKey of the message row; recipient rows sort after it.</summary>
    public const string RowKeyValue = "m";

    /// <inheritdoc />
    public string PartitionKey { get; set; } = "";

    /// <inheritdoc />
    public string RowKey { get; set; } = RowKeyValue;

    /// <inheritdoc />
    public DateTimeOffset? Timestamp { get; set; }

    /// <inheritdoc />
    public ETag ETag { get; set; }

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

    /// <summary>How the message was signed ("unsigned", or the DKIM domains and selectors).</summary>
    public string Dkim { get; set; } = "unsigned";
}
