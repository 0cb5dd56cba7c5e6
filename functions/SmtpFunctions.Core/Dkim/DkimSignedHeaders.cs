using MimeKit;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Core.Dkim;

/// <summary>Chooses the <c>h=</c> list of a signature: which header fields it covers, and how many times each.</summary>
/// <remarks>
/// Each field is listed as often as it occurs (RFC 6376 §5.4.2), and the fields a well-formed message has at most once
/// (RFC 5322 §3.6, RFC 2045, RFC 2369, RFC 8058) once more: that extra entry signs "no further field of this name", so one
/// added in transit breaks the signature (over-signing, RFC 6376 §8.15). From, To, Cc, Reply-To and Subject — what a reader
/// sees and answers to — are over-signed even when absent, so nobody can add a Reply-To to a signed message; the other fields
/// only when present, since relays legitimately add some of them (a mailing list its List-Id). RFC 8058 §4 requires
/// List-Unsubscribe and List-Unsubscribe-Post to be covered. The same split as rspamd's default signing policy.
/// </remarks>
public static class DkimSignedHeaders
{
    /// <summary>Fields signed and over-signed whether present or not.</summary>
    public static IReadOnlyList<string> AlwaysOverSigned { get; } = ["From", "Reply-To", "To", "Cc", "Subject"];

    /// <summary>Fields signed and over-signed when present.</summary>
    public static IReadOnlyList<string> OverSignedWhenPresent { get; } =
    [
        "Sender", "Date", "Message-ID", "In-Reply-To", "References",
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
            else if (!names.Contains(raw, StringComparer.OrdinalIgnoreCase) && !IsBuiltIn(raw))
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
        foreach (var name in AlwaysOverSigned)
        {
            fields.AddRange(Enumerable.Repeat(name, Count(message, name) + 1));
        }

        foreach (var name in OverSignedWhenPresent)
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

    private static bool IsBuiltIn(string name) =>
        AlwaysOverSigned.Contains(name, StringComparer.OrdinalIgnoreCase) || OverSignedWhenPresent.Contains(name, StringComparer.OrdinalIgnoreCase);

    // MimeKit keeps a message's Content-* fields with its top-level body part, and signs them from there.
    private static int Count(MimeMessage message, string name)
    {
        var headers = name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) ? message.Body?.Headers : message.Headers;
        return headers?.Count(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase)) ?? 0;
    }
}
