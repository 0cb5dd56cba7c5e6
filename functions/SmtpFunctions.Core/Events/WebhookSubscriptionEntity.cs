using Azure;
using Azure.Data.Tables;

namespace SmtpFunctions.Core.Events;

/// <summary>A webhook subscription, with its failure state. Table <c>webhooks</c>: partition = tenant, row = subscription id.</summary>
public sealed class WebhookSubscriptionEntity : ITableEntity
{
    /// <inheritdoc />
    public string PartitionKey { get; set; } = "";

    /// <inheritdoc />
    public string RowKey { get; set; } = "";

    /// <inheritdoc />
    public DateTimeOffset? Timestamp { get; set; }

    /// <inheritdoc />
    public ETag ETag { get; set; }

    /// <summary>Where events are POSTed.</summary>
    public string Url { get; set; } = "";

    /// <summary>The event types sent, comma-separated (<see cref="EventTypes"/>); empty: all of them.</summary>
    public string EventTypes { get; set; } = "";

    /// <summary>The signing secret (<c>whsec_</c> + Base64).</summary>
    public string Secret { get; set; } = "";

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>False once disabled after sustained failure (a replay enables it again).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>When it was disabled.</summary>
    public DateTimeOffset? DisabledAt { get; set; }

    /// <summary>Since when every try failed (null while healthy).</summary>
    public DateTimeOffset? FailingSince { get; set; }

    /// <summary>Failed tries since the last success.</summary>
    public int ConsecutiveFailures { get; set; }

    /// <summary>The last failure: HTTP status or connection error.</summary>
    public string? LastError { get; set; }

    /// <summary>When the last try failed.</summary>
    public DateTimeOffset? LastFailureAt { get; set; }

    /// <summary>When a try last succeeded.</summary>
    public DateTimeOffset? LastSuccessAt { get; set; }

    /// <summary>Whether the subscription wants events of <paramref name="type"/>.</summary>
    public bool Wants(string type) =>
        EventTypes.Length == 0 || EventTypes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Contains(type, StringComparer.Ordinal);
}
