using System.ComponentModel.DataAnnotations;

namespace SmtpFunctions.Core.Options;

/// <summary>Limits and defaults applied to every submitted message, whichever door it came through.</summary>
public sealed class SubmissionOptions
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Submission";

    /// <summary>
    /// Most distinct envelope recipients per message (To + Cc + Bcc after duplicates are collapsed). Default 50, like SES.
    /// At most 99: a message's status rows are committed in one table transaction of at most 100 entities.
    /// </summary>
    [Range(1, 99)]
    public int MaxRecipients { get; set; } = 50;

    /// <summary>Largest stored message, in octets, after MIME encoding. Default 25 MiB.</summary>
    [Range(1024, 150 * 1024 * 1024)]
    public long MaxMessageBytes { get; set; } = 25L * 1024 * 1024;

    /// <summary>
    /// Domain for generated Message-IDs (<c>&lt;id@domain&gt;</c>). Empty: the From address's domain, which is what
    /// receivers expect to see aligned with the sender.
    /// </summary>
    public string MessageIdDomain { get; set; } = "";
}
