using Azure;
using Azure.Data.Tables;

namespace SmtpFunctions.Core.Events;

/// <summary>
/// An event a subscription never took (its retries ran out, or its URL was refused), kept for a replay. Table
/// <c>webhookfailures</c>: partition = subscription id, row = event id.
/// </summary>
public sealed class WebhookFailureEntity : ITableEntity
{
    /// <inheritdoc />
    public string PartitionKey { get; set; } = "";

    /// <inheritdoc />
    public string RowKey { get; set; } = "";

    /// <inheritdoc />
    public DateTimeOffset? Timestamp { get; set; }

    /// <inheritdoc />
    public ETag ETag { get; set; }

    /// <summary>The subscription's tenant.</summary>
    public string TenantId { get; set; } = "";

    /// <summary>The message the event is about.</summary>
    public string MessageId { get; set; } = "";

    /// <summary>The CloudEvent, as JSON text.</summary>
    public string Event { get; set; } = "";

    /// <summary>When the delivery gave up.</summary>
    public DateTimeOffset FailedAt { get; set; }

    /// <summary>Why the last try failed.</summary>
    public string? LastError { get; set; }
}
