namespace SmtpFunctions.Core.Events;

/// <summary>Names of targets that are not webhook subscriptions.</summary>
public static class WebhookTargets
{
    /// <summary>The deployment's Event Grid topic (<c>Events:EventGridTopicEndpoint</c>).</summary>
    public const string EventGrid = "$eventgrid";
}
