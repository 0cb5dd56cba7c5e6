using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace SmtpFunctions.Core.Options;

/// <summary>When deferred recipients are tried again, and for how long (section <c>Retry</c>).</summary>
/// <remarks>The default lifetime is Postfix's <c>maximal_queue_lifetime</c> (5 days).</remarks>
public sealed class RetryOptions : IValidatableObject
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Retry";

    /// <summary>
    /// Comma-separated waits after the 1st, 2nd, … failed attempt; the last one repeats. Default
    /// <c>00:01:00,00:05:00,00:15:00,00:30:00,01:00:00,02:00:00,04:00:00</c>.
    /// </summary>
    [Required]
    public string Schedule { get; set; } = "00:01:00,00:05:00,00:15:00,00:30:00,01:00:00,02:00:00,04:00:00";

    /// <summary>After this long since submission a recipient still deferred fails as expired. Default 5 days.</summary>
    public TimeSpan QueueLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>Each wait is stretched or shrunk at random by up to this fraction, so retries of a burst spread out. Default 0.1.</summary>
    [Range(0.0, 0.5)]
    public double Jitter { get; set; } = 0.1;

    /// <summary>The parsed <see cref="Schedule"/>.</summary>
    public IReadOnlyList<TimeSpan> ParseSchedule()
    {
        var waits = new List<TimeSpan>();
        foreach (var part in Schedule.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!TimeSpan.TryParse(part, CultureInfo.InvariantCulture, out var wait) || wait < TimeSpan.Zero)
            {
                throw new FormatException($"'{part}' in Retry:Schedule is not a non-negative TimeSpan (hh:mm:ss).");
            }

            waits.Add(wait);
        }

        return waits.Count > 0 ? waits : throw new FormatException("Retry:Schedule names no wait.");
    }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        string? problem = null;
        try
        {
            ParseSchedule();
        }
        catch (FormatException ex)
        {
            problem = ex.Message;
        }

        if (problem is not null)
        {
            yield return new ValidationResult(problem, [nameof(Schedule)]);
        }

        if (QueueLifetime <= TimeSpan.Zero || QueueLifetime > TimeSpan.FromDays(7))
        {
            // Queue messages can be hidden for at most 7 days.
            yield return new ValidationResult("Retry:QueueLifetime must be more than 0 and at most 7 days.", [nameof(QueueLifetime)]);
        }
    }
}
