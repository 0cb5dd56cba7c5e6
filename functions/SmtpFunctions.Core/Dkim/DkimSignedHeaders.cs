using MimeKit;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Core.Dkim;

/// <summary>Chooses the <c>h=</c> list of a signature: which header fields it covers, and how many times each.</summary>
/// <remarks>
/// Only fields present are listed, each as often as it occurs (RFC 6376 §5.4.2). The built-in fields occur at most once in a
/// well-formed message (RFC 5322 §3.6, RFC 2045, RFC 2369, RFC 8058), so each is listed once more than it occurs: that extra
/// entry signs "no further field of this name", and a From (or Subject, Reply-To, …) added in transit breaks the signature
/// (over-signing, RFC 6376 §8.15). RFC 8058 §4 requires List-Unsubscribe and List-Unsubscribe-Post to be covered.
/// </remarks>
public static class DkimSignedHeaders
{
    /// <summary>The fields signed whenever present, and over-signed.</summary>
    public static IReadOnlyList<string> BuiltIn { get; } =
    [
        "From", "Sender", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
        "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
        "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "Feedback-ID",
    ];

    // Fields a signature must not cover: they are added or changed in transit (RFC 6376 §5.4.1), and MimeKit refuses them.
    private static readonly HashSet<string> Forbidden = new(StringComparer.OrdinalIgnoreCase)
    {
        "Return-Path", "Received", "Comments", "Keywords", "Bcc", "Resent-Bcc", "DKIM-Signature",
    };

    /// <summary>Parses <see cref="Options.DkimOptions.ExtraSignedHeaders"/>; <paramref name="problems"/> names bad entries.</summary>
    public static IReadOnlyList<string> ParseExtra(string? commaSeparated, out List<string> problems)
    {
        problems = [];
        var names = new List<string>();
        foreach (var raw in (commaSeparated ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!HeaderRules.IsFieldName(raw))
            {
                problems.Add($"'{raw}' is not a header field name");
            }
            else if (Forbidden.Contains(raw))
            {
                problems.Add($"'{raw}' must not be signed: it changes in transit (RFC 6376 §5.4.1)");
            }
            else if (!names.Contains(raw, StringComparer.OrdinalIgnoreCase) && !BuiltIn.Contains(raw, StringComparer.OrdinalIgnoreCase))
            {
                names.Add(raw);
            }
        }

        return names;
    }

    /// <summary>The <c>h=</c> list for <paramref name="message"/>: built-in fields over-signed, extra fields as often as present.</summary>
    public static IReadOnlyList<string> Select(MimeMessage message, IReadOnlyList<string> extra)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(extra);
        var fields = new List<string>();
        foreach (var name in BuiltIn)
        {
            var present = Count(message, name);
            if (present > 0)
            {
                fields.AddRange(Enumerable.Repeat(name, present + 1));
            }
        }

        foreach (var name in extra)
        {
            fields.AddRange(Enumerable.Repeat(name, Count(message, name)));
        }

        return fields;
    }

    // MimeKit keeps a message's Content-* fields with its top-level body part, and signs them from there.
    private static int Count(MimeMessage message, string name)
    {
        var headers = name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) ? message.Body?.Headers : message.Headers;
        return headers?.Count(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase)) ?? 0;
    }
}
