namespace SmtpFunctions.Core.Events;

/// <summary>A subscription as the API shows it; the secret only in the answer to its creation.</summary>
public sealed record WebhookSubscriptionView
{
    /// <summary>The subscription id.</summary>
    public required string Id { get; init; }

    /// <summary>The URL.</summary>
    public required string Url { get; init; }

    /// <summary>The event types sent; empty: all.</summary>
    public required IReadOnlyList<string> EventTypes { get; init; }

    /// <summary>The signing secret, shown once.</summary>
    public string? Secret { get; init; }

    /// <summary>False once disabled after sustained failure.</summary>
    public bool Enabled { get; init; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it was disabled.</summary>
    public DateTimeOffset? DisabledAt { get; init; }

    /// <summary>Since when every try failed.</summary>
    public DateTimeOffset? FailingSince { get; init; }

    /// <summary>Failed tries since the last success.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>The last failure.</summary>
    public string? LastError { get; init; }

    /// <summary>When the last try failed.</summary>
    public DateTimeOffset? LastFailureAt { get; init; }

    /// <summary>When a try last succeeded after failures.</summary>
    public DateTimeOffset? LastSuccessAt { get; init; }

    /// <summary>The view of a row.</summary>
    public static WebhookSubscriptionView From(WebhookSubscriptionEntity row, bool withSecret = false)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new WebhookSubscriptionView
        {
            Id = row.RowKey,
            Url = row.Url,
            EventTypes = row.EventTypes.Split(',', StringSplitOptions.RemoveEmptyEntries),
            Secret = withSecret ? row.Secret : null,
            Enabled = row.Enabled,
            CreatedAt = row.CreatedAt,
            DisabledAt = row.DisabledAt,
            FailingSince = row.FailingSince,
            ConsecutiveFailures = row.ConsecutiveFailures,
            LastError = row.LastError,
            LastFailureAt = row.LastFailureAt,
            LastSuccessAt = row.LastSuccessAt,
        };
    }
}
