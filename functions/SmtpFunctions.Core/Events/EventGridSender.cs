using Azure;
using Azure.Identity;
using Azure.Messaging.EventGrid;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Events;

/// <summary>
/// Publishes events to the deployment's Event Grid topic (CloudEvents 1.0 schema) with its managed identity, when
/// <c>Events:EventGridTopicEndpoint</c> is set. The events are sent as written for webhooks, unchanged.
/// </summary>
public sealed class EventGridSender
{
    private readonly EventGridPublisherClient? _client;

    /// <summary>Creates the client when a topic is configured.</summary>
    public EventGridSender(IOptions<EventsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        if (value.EventGridTopicEndpoint.Length > 0)
        {
            var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
            {
                ManagedIdentityClientId = value.EventGridClientId.Length > 0 ? value.EventGridClientId : null,
            });
            _client = new EventGridPublisherClient(new Uri(value.EventGridTopicEndpoint), credential);
        }
    }

    /// <summary>Whether a topic is configured.</summary>
    public bool Enabled => _client is not null;

    /// <summary>Publishes one event (its CloudEvents JSON); a failure is reported, not thrown, like a webhook's.</summary>
    public async Task<WebhookResult> SendAsync(byte[] cloudEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        if (_client is null)
        {
            return new WebhookResult(false, "no Event Grid topic is configured", true);
        }

        var batch = new byte[cloudEvent.Length + 2];
        batch[0] = (byte)'[';
        cloudEvent.CopyTo(batch, 1);
        batch[^1] = (byte)']';
        try
        {
            await _client.SendEncodedCloudEventsAsync(batch, cancellationToken);
            return new WebhookResult(true, null, false);
        }
        catch (RequestFailedException ex)
        {
            return new WebhookResult(false, $"Event Grid: {ex.Status} {ex.ErrorCode}", false);
        }
        catch (AuthenticationFailedException ex)
        {
            return new WebhookResult(false, "Event Grid credential: " + ex.Message, false);
        }
    }
}
