using System.ComponentModel.DataAnnotations;

namespace SmtpFunctions.Core.Options;

/// <summary>
/// Events about each recipient (section <c>Events</c>): CloudEvents sent to webhook subscriptions and, optionally, to an
/// Azure Event Grid topic. See docs/architecture.md, "Events".
/// </summary>
public sealed class EventsOptions : IValidatableObject
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Events";

    /// <summary>
    /// Write an event intent with every recipient status change and dispatch it. Default true. Off: no intent rows and no
    /// event-queue messages (the delivery path costs what it cost before events existed); subscriptions can still be managed.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Webhook URLs must be https. Default true; the local host's Development settings turn it off for receivers on
    /// loopback. The outbound address policy (<c>Routing:RefuseInternalAddresses</c>, <c>Routing:AllowedNetworks</c>)
    /// applies to webhook targets either way.
    /// </summary>
    public bool RequireHttps { get; set; } = true;

    /// <summary>
    /// Write no intents and queue nothing while no tenant has a webhook subscription and no Event Grid topic is set: events
    /// then cost nothing. Default true; a subscription counts on the instance that adds it at once, on the others within
    /// <c>SubscriptionCacheTtl</c>. False: events are written whenever <see cref="Enabled"/>.
    /// </summary>
    public bool SkipWithoutSubscribers { get; set; } = true;

    /// <summary>
    /// Waits between a webhook delivery's failed tries, after the first immediate one. Default
    /// <c>00:00:05, 00:05:00, 00:30:00, 02:00:00, 05:00:00, 10:00:00, 10:00:00</c> (27.6 h in all, the Standard Webhooks
    /// reference schedule); the delivery then gives up and waits for a replay.
    /// </summary>
    public string RetrySchedule { get; set; } = "00:00:05,00:05:00,00:30:00,02:00:00,05:00:00,10:00:00,10:00:00";

    /// <summary>A subscription failing without a single success for this long is disabled. Default 5 days.</summary>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>
    /// Waits before a message of <c>events-poison</c> (one whose handling threw <c>maxDequeueCount</c> times: storage
    /// trouble, not a failing receiver) is put back on <c>events</c>. Default <c>00:01:00, 00:10:00, 01:00:00, 06:00:00</c>;
    /// after the last, a webhook delivery is kept for the subscription's replay and the rest are dropped (event 9412).
    /// </summary>
    public string PoisonRedriveSchedule { get; set; } = "00:01:00,00:10:00,01:00:00,06:00:00";

    /// <summary>How long one webhook request may take. Default 15 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How old an event intent must be before the sweeper sends it again, taking it for one whose queue message was lost (a
    /// crash between the status write and the enqueue). Default 2 min.
    /// </summary>
    public TimeSpan IntentGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long an instance remembers a tenant's subscriptions. Default 30 s (the instance that changes them sees it at once).</summary>
    public TimeSpan SubscriptionCacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most subscriptions per tenant. Default 20.</summary>
    [Range(1, 1000)]
    public int MaxSubscriptionsPerTenant { get; set; } = 20;

    /// <summary>Event Grid topic endpoint (<c>https://…eventgrid.azure.net/api/events</c>); empty: no Event Grid publishing.</summary>
    public string EventGridTopicEndpoint { get; set; } = "";

    /// <summary>
    /// Client id of the user-assigned managed identity that may publish to the topic (its <c>EventGrid Data Sender</c> role
    /// assignment is in infra/); empty: the default credential chain.
    /// </summary>
    public string EventGridClientId { get; set; } = "";

    /// <summary>The retry schedule, parsed.</summary>
    public IReadOnlyList<TimeSpan> RetryDelays() => ParseSchedule(nameof(RetrySchedule), RetrySchedule, out var delays, out _) ? delays : [];

    /// <summary>The poison re-drive schedule, parsed.</summary>
    public IReadOnlyList<TimeSpan> PoisonRedriveDelays() => ParseSchedule(nameof(PoisonRedriveSchedule), PoisonRedriveSchedule, out var delays, out _) ? delays : [];

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!ParseSchedule(nameof(PoisonRedriveSchedule), PoisonRedriveSchedule, out _, out var poisonProblem))
        {
            yield return new ValidationResult(poisonProblem, [nameof(PoisonRedriveSchedule)]);
        }

        if (!ParseSchedule(nameof(RetrySchedule), RetrySchedule, out var delays, out var problem))
        {
            yield return new ValidationResult(problem, [nameof(RetrySchedule)]);
        }
        else if (delays.Aggregate(TimeSpan.Zero, (a, b) => a + b) < TimeSpan.FromHours(24))
        {
            yield return new ValidationResult("Events:RetrySchedule must add up to at least 24 hours.", [nameof(RetrySchedule)]);
        }

        if (DisableAfter < TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Events:DisableAfter must be at least 1 hour.", [nameof(DisableAfter)]);
        }

        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout > TimeSpan.FromMinutes(2))
        {
            yield return new ValidationResult("Events:RequestTimeout must be between 0 and 2 minutes.", [nameof(RequestTimeout)]);
        }

        if (IntentGrace < TimeSpan.FromSeconds(10))
        {
            yield return new ValidationResult("Events:IntentGrace must be at least 10 seconds.", [nameof(IntentGrace)]);
        }

        if (SubscriptionCacheTtl < TimeSpan.Zero || SubscriptionCacheTtl > TimeSpan.FromMinutes(10))
        {
            yield return new ValidationResult("Events:SubscriptionCacheTtl must be between 0 and 10 minutes.", [nameof(SubscriptionCacheTtl)]);
        }

        if (EventGridTopicEndpoint.Length > 0 && !(Uri.TryCreate(EventGridTopicEndpoint, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps))
        {
            yield return new ValidationResult("Events:EventGridTopicEndpoint must be an absolute https URL.", [nameof(EventGridTopicEndpoint)]);
        }
    }

    private static bool ParseSchedule(string name, string text, out List<TimeSpan> delays, out string? problem)
    {
        delays = [];
        problem = null;
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TimeSpan.TryParse(part, System.Globalization.CultureInfo.InvariantCulture, out var delay) || delay < TimeSpan.FromSeconds(1) || delay > TimeSpan.FromDays(1))
            {
                problem = $"Events:{name}: '{part}' is not a wait between 1 second and 1 day.";
                return false;
            }

            delays.Add(delay);
        }

        if (delays.Count == 0)
        {
            problem = $"Events:{name} must list at least one wait.";
            return false;
        }

        return true;
    }
}
