using System.ComponentModel.DataAnnotations;

namespace SmtpFunctions.Core.Options;

/// <summary>
/// Pacing limits for one destination, overriding <see cref="PacingOptions"/>'s defaults (section
/// <c>Pacing:Domains:&lt;name&gt;</c>); a limit left unset keeps the default.
/// </summary>
public sealed class DestinationLimitOptions
{
    /// <summary>Most SMTP sessions open at once to the destination (per instance). Unset: <see cref="PacingOptions.MaxConcurrentSessions"/>.</summary>
    [Range(1, 10_000)]
    public int? MaxConcurrentSessions { get; set; }

    /// <summary>Most messages (SMTP transactions) a minute to the destination (per instance); 0 = no limit. Unset: <see cref="PacingOptions.MaxMessagesPerMinute"/>.</summary>
    [Range(0, 1_000_000)]
    public int? MaxMessagesPerMinute { get; set; }
}
