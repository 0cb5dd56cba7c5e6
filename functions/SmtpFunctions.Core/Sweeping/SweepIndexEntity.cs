using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace SmtpFunctions.Core.Sweeping;

/// <summary>
/// One row of the sweeper's due-time index (table <c>schedule</c>): "look at message <see cref="RowKey"/> at
/// <see cref="DueAt"/>". PartitionKey = <see cref="SweepIndex.BucketFor"/> of the due time.
/// </summary>
public sealed class SweepIndexEntity : ITableEntity
{
    /// <inheritdoc />
    public string PartitionKey { get; set; } = "";

    /// <summary>The message id.</summary>
    public string RowKey { get; set; } = "";

    /// <inheritdoc />
    public DateTimeOffset? Timestamp { get; set; }

    /// <inheritdoc />
    public ETag ETag { get; set; }

    /// <summary>When the message is to be looked at (within its bucket's minute).</summary>
    public DateTimeOffset DueAt { get; set; }

    /// <summary>When the message was submitted: an index row whose message never committed is dropped after the orphan grace.</summary>
    public DateTimeOffset SubmittedAt { get; set; }

    /// <summary>
    /// The message was found finished and the row waits for its retention to run out (<c>Storage:Retention</c> after
    /// submission), when the sweeper deletes the message's status rows.
    /// </summary>
    public bool Retention { get; set; }

    /// <summary>
    /// Set on a first filing: the entry is the blob index tag on this blob (the message's MIME, or an orphan of an attempt
    /// that never committed), not a table row.
    /// </summary>
    [IgnoreDataMember]
    public string? BlobName { get; set; }

    /// <summary>How many times the sweeper has looked at the message so far (diagnostics).</summary>
    public int Checks { get; set; }
}
