using System.ComponentModel.DataAnnotations;

namespace SmtpFunctions.Core.Options;

/// <summary>
/// Per-destination pacing (section <c>Pacing</c>): how many SMTP sessions and how many messages a minute delivery allows
/// towards one destination, and how it backs off when the destination says it is throttling us.
/// </summary>
/// <remarks>
/// A destination is what the connection cache keys by: the set of MX host names of the recipient domain (so every domain
/// a provider hosts shares one), or the smart host. Limits hold across all concurrent executions of one instance.
/// <para>
/// Scale-out: by default the limits are per instance. With N instances running, a destination sees at most N ×
/// <see cref="MaxConcurrentSessions"/> sessions and N × <see cref="MaxMessagesPerMinute"/> messages a minute; a
/// throttling reply backs off the instance that received it (the others back off when they receive theirs). With
/// <see cref="ShareAcrossInstances"/> the limits are for all instances together: each takes floor(L ÷ N) sessions (one
/// more for L mod N of them) and R ÷ N messages a minute, N being counted by heartbeats in the <c>pacing</c> table
/// (<see cref="Pacing.InstanceShares"/>). To bound a destination at L per-instance, set floor(L ÷ M) with M the maximum
/// instance count. See docs/architecture.md, "Pacing and scale-out".
/// </para>
/// </remarks>
public sealed class PacingOptions : IValidatableObject
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Pacing";

    /// <summary>Most SMTP sessions open at once to one destination, per instance. Default 20 (Postfix's <c>default_destination_concurrency_limit</c>).</summary>
    [Range(1, 10_000)]
    public int MaxConcurrentSessions { get; set; } = 20;

    /// <summary>Most messages (SMTP transactions) a minute to one destination, per instance, evenly spaced; 0 = no limit. Default 0.</summary>
    [Range(0, 1_000_000)]
    public int MaxMessagesPerMinute { get; set; }

    /// <summary>
    /// How long a job waits in its worker for a session slot (or its turn under the rate limit) before it is put back on
    /// the queue instead. Default 2 s: a slot held by a transaction on a cached session frees within a second or so, and a
    /// worker waiting longer is a worker not delivering to other destinations (the queue trigger runs only batchSize +
    /// newBatchThreshold jobs at once).
    /// </summary>
    public TimeSpan SlotWaitTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A job that got no slot is put back on the queue for this long, plus up to as long again at random so that the
    /// deferred jobs of a burst do not all come back at once; the same spread follows a backoff. Default 10 s. Such a
    /// job is not a delivery attempt: no status change, no retry round, never a bounce.
    /// </summary>
    public TimeSpan DeferDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// After a throttling reply (421, or a 4.7.x refusing the session or transaction), no new session goes to the
    /// destination for this long; jobs for it are put back on the queue until the backoff ends. Default 1 min.
    /// </summary>
    public TimeSpan ThrottleBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The backoff doubles each time the first attempt after one is throttled again, up to this. A delivery the
    /// destination accepts resets it. Default 30 min.
    /// </summary>
    public TimeSpan MaxThrottleBackoff { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Make the limits (defaults and overrides) apply to all delivering instances together rather than to each: every
    /// instance that delivers writes a heartbeat to the <c>pacing</c> table each <see cref="InstanceHeartbeat"/> and takes
    /// its share of each limit. Default false (per instance; no storage requests).
    /// </summary>
    public bool ShareAcrossInstances { get; set; }

    /// <summary>
    /// With <see cref="ShareAcrossInstances"/>, how often each instance writes its heartbeat and recounts the others (an
    /// instance silent for three is no longer counted). Default 30 s.
    /// </summary>
    public TimeSpan InstanceHeartbeat { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Limits for particular destinations, by name: a recipient domain (<c>example.com</c>, also covering its
    /// subdomains) or an MX host domain (<c>google.com</c> covers every domain whose MX hosts are under google.com).
    /// The most specific recipient-domain match wins, then the longest MX match. In Azure:
    /// <c>Pacing__Domains__google.com__MaxConcurrentSessions</c> through <c>mailOptions</c>.
    /// </summary>
    public IDictionary<string, DestinationLimitOptions> Domains { get; } = new Dictionary<string, DestinationLimitOptions>(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[]
        {
            (nameof(DeferDelay), DeferDelay), (nameof(ThrottleBackoff), ThrottleBackoff), (nameof(MaxThrottleBackoff), MaxThrottleBackoff),
            (nameof(InstanceHeartbeat), InstanceHeartbeat),
        })
        {
            if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(1))
            {
                yield return new ValidationResult($"Pacing:{name} must be more than 0 and at most 1 day.", [name]);
            }
        }

        if (SlotWaitTimeout < TimeSpan.Zero || SlotWaitTimeout > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("Pacing:SlotWaitTimeout must be between 0 and 1 minute.", [nameof(SlotWaitTimeout)]);
        }

        if (MaxThrottleBackoff < ThrottleBackoff)
        {
            yield return new ValidationResult("Pacing:MaxThrottleBackoff must not be less than Pacing:ThrottleBackoff.", [nameof(MaxThrottleBackoff)]);
        }

        foreach (var (name, limits) in Domains)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(limits, new ValidationContext(limits), results, validateAllProperties: true))
            {
                foreach (var result in results)
                {
                    yield return new ValidationResult($"Pacing:Domains:{name}: {result.ErrorMessage}", [nameof(Domains)]);
                }
            }

            if (name.Length == 0 || name.Contains('@', StringComparison.Ordinal) || name.Contains(' ', StringComparison.Ordinal))
            {
                yield return new ValidationResult($"Pacing:Domains:'{name}' is not a domain name.", [nameof(Domains)]);
            }
        }
    }
}
