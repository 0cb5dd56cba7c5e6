namespace SmtpFunctions.Core.Events;

/// <summary>The body of <c>POST /api/webhooks</c>.</summary>
public sealed record WebhookSubscriptionRequest
{
    /// <summary>Where events are POSTed (https, unless <c>Events:RequireHttps</c> is off).</summary>
    public string? Url { get; init; }

    /// <summary>The event types wanted (<see cref="EventTypes.All"/>); null or empty: all.</summary>
    public IReadOnlyList<string>? EventTypes { get; init; }

    /// <summary>A <c>whsec_</c> secret to sign with; null: one is generated and returned once.</summary>
    public string? Secret { get; init; }
}
