using System.Net;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Routing;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Core.Events;

/// <summary>The rules for managing a tenant's webhook subscriptions, and their replay: what the API endpoints call.</summary>
public sealed class WebhookSubscriptions(
    WebhookSubscriptionStore store,
    EventQueue queue,
    OutboundAddressPolicy policy,
    TimeProvider time,
    IOptions<EventsOptions> options)
{
    private const int MaxUrlLength = 2048;
    private readonly EventsOptions _options = options.Value;

    /// <summary>Creates a subscription, or names the bad fields.</summary>
    public async Task<(WebhookSubscriptionView? Created, IReadOnlyList<FieldError> Errors)> CreateAsync(
        string tenantId, WebhookSubscriptionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<FieldError>();
        var url = CheckUrl(request.Url, errors);
        var types = request.EventTypes ?? [];
        foreach (var type in types.Where(t => !EventTypes.IsKnown(t)))
        {
            errors.Add(new FieldError("eventTypes", $"'{type}' is not an event type; use {string.Join(", ", EventTypes.All)}"));
        }

        if (request.Secret is not null && WebhookSignature.KeyOf(request.Secret) is null)
        {
            errors.Add(new FieldError("secret", "must be whsec_ followed by the Base64 of 24 to 64 bytes"));
        }

        if (errors.Count == 0 && (await store.ListAsync(tenantId, cancellationToken)).Count >= _options.MaxSubscriptionsPerTenant)
        {
            errors.Add(new FieldError("url", $"a tenant has at most {_options.MaxSubscriptionsPerTenant} subscriptions"));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var row = new WebhookSubscriptionEntity
        {
            PartitionKey = tenantId,
            RowKey = "wh_" + Guid.NewGuid().ToString("N"),
            Url = url!.AbsoluteUri,
            EventTypes = string.Join(",", types.Distinct(StringComparer.Ordinal)),
            Secret = request.Secret ?? WebhookSignature.NewSecret(),
            CreatedAt = time.GetUtcNow(),
        };
        await store.AddAsync(row, cancellationToken);
        return (WebhookSubscriptionView.From(row, withSecret: true), []);
    }

    /// <summary>A tenant's subscriptions.</summary>
    public async Task<IReadOnlyList<WebhookSubscriptionView>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        (await store.ListAsync(tenantId, cancellationToken)).Select(r => WebhookSubscriptionView.From(r)).ToList();

    /// <summary>One subscription, or null.</summary>
    public async Task<WebhookSubscriptionView?> GetAsync(string tenantId, string id, CancellationToken cancellationToken) =>
        await store.GetAsync(tenantId, id, cancellationToken) is { } row ? WebhookSubscriptionView.From(row) : null;

    /// <summary>Deletes a subscription; false when there was none.</summary>
    public Task<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken) => store.DeleteAsync(tenantId, id, cancellationToken);

    /// <summary>
    /// Enables the subscription again and queues every event kept for it (those its retries gave up on, or that came
    /// while it was disabled) failed at or after <paramref name="since"/>; the number queued, or null when there is no
    /// such subscription.
    /// </summary>
    public async Task<int?> ReplayAsync(string tenantId, string id, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        var row = await store.GetAsync(tenantId, id, cancellationToken);
        if (row is null)
        {
            return null;
        }

        await store.EnableAsync(row, cancellationToken);
        var failed = await store.FailedAsync(id, since, cancellationToken);
        foreach (var failure in failed)
        {
            await queue.SendAsync(
                new EventQueueMessage
                {
                    Kind = EventQueueMessage.DeliverKind,
                    MessageId = failure.MessageId,
                    TenantId = tenantId,
                    Target = id,
                    EventId = failure.RowKey,
                    Event = failure.Event,
                },
                TimeSpan.Zero,
                cancellationToken);
            await store.ForgetFailedAsync(failure, cancellationToken);
        }

        return failed.Count;
    }

    private Uri? CheckUrl(string? text, List<FieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxUrlLength || !Uri.TryCreate(text, UriKind.Absolute, out var url)
            || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add(new FieldError("url", "must be an absolute http(s) URL of at most 2048 characters"));
            return null;
        }

        if (_options.RequireHttps && url.Scheme != Uri.UriSchemeHttps)
        {
            errors.Add(new FieldError("url", "must be https"));
        }

        if (url.UserInfo.Length > 0 || url.Fragment.Length > 0)
        {
            errors.Add(new FieldError("url", "must not carry user information or a fragment"));
        }

        // A name is checked on each connection (its addresses can change); an address can be refused now.
        if (IPAddress.TryParse(url.DnsSafeHost, out var address) && policy.Refusal(address) is { } reason)
        {
            errors.Add(new FieldError("url", $"{address} is refused by the outbound address policy ({reason})"));
        }

        return url;
    }
}
