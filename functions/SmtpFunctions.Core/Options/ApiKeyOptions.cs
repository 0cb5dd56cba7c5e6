using System.ComponentModel.DataAnnotations;

namespace SmtpFunctions.Core.Options;

/// <summary>API keys and the tenants they belong to (section <c>ApiKeys</c>).</summary>
public sealed class ApiKeyOptions : IValidatableObject
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "ApiKeys";

    /// <summary>
    /// A request without an <c>Authorization</c> header is the default tenant with every scope, as every request was before
    /// tenants (it passed the function key, the only check there was). Default true, so that an upgraded deployment keeps
    /// working; set it false once the callers send API keys, and the function key alone no longer lets anyone in.
    /// </summary>
    public bool DefaultTenantWithoutKey { get; set; } = true;

    /// <summary>
    /// How long an instance trusts a key it looked up before reading its row again. Default 5 s: a revoked (or expired,
    /// or re-scoped) key stops working on every instance within this time, while a busy key costs one point read per
    /// instance per TTL instead of one per request.
    /// </summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Least time between two writes of a key's last-used time. Default 1 minute: last-used is that coarse.</summary>
    public TimeSpan LastUsedInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Most messages an instance takes from a key's per-minute allowance in one table write. Default 10. Larger: fewer
    /// writes for busy keys; smaller: less of the allowance parked unused on an instance that stopped sending.
    /// </summary>
    [Range(1, 1000)]
    public int RateLimitChunk { get; set; } = 10;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CacheTtl < TimeSpan.Zero || CacheTtl > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("ApiKeys:CacheTtl must be between 0 and 1 minute (revocation takes that long).", [nameof(CacheTtl)]);
        }

        if (LastUsedInterval < TimeSpan.Zero || LastUsedInterval > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult("ApiKeys:LastUsedInterval must be between 0 and 1 day.", [nameof(LastUsedInterval)]);
        }
    }
}
