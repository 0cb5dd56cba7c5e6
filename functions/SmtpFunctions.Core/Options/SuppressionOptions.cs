using System.ComponentModel.DataAnnotations;

namespace SmtpFunctions.Core.Options;

/// <summary>The suppression list (section <c>Suppression</c>): addresses that failed for good are not sent to again.</summary>
/// <remarks>
/// An address is added when delivery fails permanently for a mailbox-level reason
/// (<see cref="Delivery.FailureClassifier.Suppresses"/>); later submissions list it as <c>suppressed</c> and queue nothing
/// for it, and queued jobs skip it. Entries stay until lifted with <c>DELETE /api/suppressions/{address}</c>.
/// </remarks>
public sealed class SuppressionOptions : IValidatableObject
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Suppression";

    /// <summary>
    /// Record permanent mailbox-level failures and refuse to send to those addresses. Default true. Off: nothing is
    /// recorded or checked (submission makes no suppression reads); the API still shows and lifts existing entries.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long each instance remembers a lookup (suppressed or not) before reading the table again. Default 30 s: an
    /// entry added or lifted on another instance is seen everywhere within this time (the instance that adds or lifts
    /// it sees the change at once). Zero disables the cache: a point read per distinct recipient of every submission.
    /// </summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A recipient domain with at most this many entries on a tenant's list is read whole (one partition query) and held
    /// for <see cref="CacheTtl"/>: every lookup of an address of that domain is then answered without a read, where each
    /// new address would cost a point read of its own. Default 100; a larger domain is looked up address by address. Zero
    /// turns it off.
    /// </summary>
    [Range(0, 1000)]
    public int DomainSnapshotSize { get; set; } = 100;

    /// <summary>Most addresses the cache holds per instance (about 200 bytes each). Default 100000.</summary>
    [Range(1, 10_000_000)]
    public int CacheSize { get; set; } = 100_000;

    /// <summary>
    /// Most entries of the operator's global list an instance holds whole (read with one range query per
    /// <see cref="CacheTtl"/>, so checking it costs no request per message). Default 10000 (a few MB); a larger global
    /// list is looked up a point read per address, as a tenant's is.
    /// </summary>
    [Range(0, 1_000_000)]
    public int GlobalSnapshotSize { get; set; } = 10_000;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CacheTtl < TimeSpan.Zero || CacheTtl > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Suppression:CacheTtl must be between 0 and 1 hour.", [nameof(CacheTtl)]);
        }
    }
}
