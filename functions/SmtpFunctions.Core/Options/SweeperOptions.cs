using System.ComponentModel.DataAnnotations;

namespace SmtpFunctions.Core.Options;

/// <summary>
/// The safety net under the queue (section <c>Sweeper</c>): when accepted messages are looked at again, when a recipient
/// counts as stranded, and how the poison queue is handled.
/// </summary>
/// <remarks>
/// The queue message is the normal scheduler; the sweeper only acts on recipients whose next step is overdue by more than
/// <see cref="OverdueGrace"/>, so on a healthy system it reads each message once and deletes its index row. See
/// docs/architecture.md, "Nothing accepted is stranded", for the numbers.
/// </remarks>
public sealed class SweeperOptions : IValidatableObject
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Sweeper";

    /// <summary>Run the sweeper and the poison-queue watcher. Default true; off only to take a host out of that duty.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How often the local host sweeps. Default 1 min, the function app's timer schedule (<c>0 * * * * *</c>, fixed in
    /// the trigger), so both hosts answer the same.
    /// </summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A message's first look, counted from its submission: by then nearly every message is delivered and the look only
    /// deletes its index row. Default 10 min.
    /// </summary>
    public TimeSpan FirstCheckDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How late a recipient's next step may be before the sweeper re-drives it: a queued recipient counts from
    /// submission, a deferred one from its next attempt, a delivering one from its lease expiry; a failure waiting for its
    /// DSN from its last update. Default 10 min: longer than queue latency under load and than most pacing holds, so a
    /// job that is merely late is not doubled.
    /// </summary>
    public TimeSpan OverdueGrace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a recipient may stay <c>delivering</c> without a lease expiry on its row (a row written before claims
    /// were leases) before it counts as stranded. Default 30 min, host.json's <c>functionTimeout</c>.
    /// </summary>
    public TimeSpan UnleasedAttemptTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Index partitions per due minute. The index row of each submission goes to the minute it is due plus a shard picked
    /// by the message id, so that a burst of submissions is spread over this many partitions (Azure Tables serves about
    /// 2,000 entities/s per partition). Default 4; changing it is safe at any time (the sweeper reads every shard).
    /// </summary>
    [Range(1, 100)]
    public int IndexShards { get; set; } = 4;

    /// <summary>Most index rows one sweep looks at; the rest wait for the next sweep. Default 5000 (a few seconds' work).</summary>
    [Range(1, 1_000_000)]
    public int MaxMessagesPerSweep { get; set; } = 5000;

    /// <summary>Messages looked at in parallel within a sweep. Default 8.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 8;

    /// <summary>
    /// How many times a recipient whose job landed in the poison queue is tried again before it fails for good
    /// (<c>5.3.0</c>, with a DSN). Default 3: with host.json's maxDequeueCount of 5 that is 20 failed runs of the job.
    /// </summary>
    [Range(0, 100)]
    public int MaxPoisonRedrives { get; set; } = 3;

    /// <summary>
    /// How long a poisoned job's recipients wait before they are tried again: long enough for a passing storage or
    /// network fault to clear. Default 5 min.
    /// </summary>
    public TimeSpan PoisonRedriveDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[]
        {
            (nameof(Interval), Interval), (nameof(UnleasedAttemptTimeout), UnleasedAttemptTimeout),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return new ValidationResult($"Sweeper:{name} must be positive.", [name]);
            }
        }

        foreach (var (name, value) in new[]
        {
            (nameof(FirstCheckDelay), FirstCheckDelay), (nameof(OverdueGrace), OverdueGrace), (nameof(PoisonRedriveDelay), PoisonRedriveDelay),
        })
        {
            // Queue messages can be hidden for at most 7 days; the index has no such limit, but nothing is gained past it.
            if (value < TimeSpan.Zero || value > TimeSpan.FromDays(7))
            {
                yield return new ValidationResult($"Sweeper:{name} must be between 0 and 7 days.", [name]);
            }
        }
    }
}
