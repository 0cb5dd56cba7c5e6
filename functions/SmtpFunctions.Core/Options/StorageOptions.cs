using System.ComponentModel.DataAnnotations;

namespace SmtpFunctions.Core.Options;

/// <summary>How the storage clients retry before a submission is answered with 503 (or 451 over SMTP).</summary>
/// <remarks>
/// The account itself is named by the Functions-style connection <c>AzureWebJobsStorage</c> (a connection string locally,
/// <c>AzureWebJobsStorage__blobServiceUri</c>/<c>__queueServiceUri</c>/<c>__tableServiceUri</c> with a managed identity in
/// Azure), so that the queue trigger and our own clients always talk to the same account.
/// </remarks>
public sealed class StorageOptions : IValidatableObject
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Storage";

    /// <summary>Retries of one storage call before it counts as unavailable. Default 2: a client waiting on us is better answered quickly.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>First retry delay; later ones back off exponentially. Default 200 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Delivery queues the jobs are spread over, by a hash of the message id (<see cref="Storage.StorageShards"/>). Default
    /// 1: everything on <c>outbound</c>. One Azure queue serves about 2,000 messages/s; see docs/scale.md for when more
    /// pay. At most 8, the number of queue triggers the function app has. Raising it is safe at any time (status reads need
    /// no shard, jobs already queued stay where they are); lowering it strands the jobs left in the dropped queues until the
    /// sweeper re-drives them. With storage accounts per shard (<c>Shard{n}Storage</c>, <see cref="Storage.ShardAccounts"/>)
    /// it must not change while messages are kept: a message's account follows from its id and this count.
    /// </summary>
    [Range(1, Storage.StorageShards.MaxShards)]
    public int Shards { get; set; } = 1;

    /// <summary>
    /// How long a finished message's status rows (its idempotency record too) are kept, counted from its submission. Default
    /// 30 days; at least the 5-day queue lifetime plus a margin. The sweeper deletes them when its index row comes due
    /// (<see cref="Sweeping.Sweeper"/>); the blob lifecycle rule deletes the MIME after the same number of days.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Time allowed for one storage request on the wire. Default 30 s (a 25 MB blob on a slow link).</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Past the queue lifetime (5 days) a retry may still read the rows; a week is the least that is always safe.
        if (Retention < TimeSpan.FromDays(7))
        {
            yield return new ValidationResult("Storage:Retention must be at least 7 days (longer than the queue lifetime).", [nameof(Retention)]);
        }
    }
}
