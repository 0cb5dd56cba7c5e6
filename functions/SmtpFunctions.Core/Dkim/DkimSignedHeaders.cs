using MimeKit;

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

    /// <summary>The <c>h=</c> list for <paramref name="message"/>.</summary>
    public static IReadOnlyList<string> Select(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
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

        return fields;
    }

    // MimeKit keeps a message's Content-* fields with its top-level body part, and signs them from there.
    private static int Count(MimeMessage message, string name)
    {
        var headers = name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) ? message.Body?.Headers : message.Headers;
        return headers?.Count(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase)) ?? 0;
    }
}
