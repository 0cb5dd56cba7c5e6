using MimeKit;

namespace SmtpFunctions.Core.Submission;

/// <summary>Checks the <c>listUnsubscribe</c> URIs of a JSON submission and adds List-Unsubscribe and List-Unsubscribe-Post.</summary>
/// <remarks>
/// <c>List-Unsubscribe: &lt;https://…&gt;, &lt;mailto:…&gt;</c> (RFC 2369 §3.2) in the order given, and, when one of them is https,
/// <c>List-Unsubscribe-Post: List-Unsubscribe=One-Click</c> (RFC 8058 §3.1: one-click needs exactly that https URI, which the
/// receiver POSTs to). Only https and mailto are accepted: plain http is refused by the large receivers and is not one-click.
/// Both fields are then covered by the DKIM signature, as RFC 8058 §4 requires.
/// </remarks>
public static class ListUnsubscribeRules
{
    /// <summary>The List-Unsubscribe field.</summary>
    public const string ListUnsubscribe = "List-Unsubscribe";

    /// <summary>The RFC 8058 field.</summary>
    public const string ListUnsubscribePost = "List-Unsubscribe-Post";

    /// <summary>The only value RFC 8058 §3.1 defines for List-Unsubscribe-Post.</summary>
    public const string OneClick = "List-Unsubscribe=One-Click";

    /// <summary>Longest URI accepted: a header line must stay under 998 octets (RFC 5322 §2.1.1) and URIs cannot be folded.</summary>
    public const int MaxUriLength = 900;

    /// <summary>True for the fields only <c>listUnsubscribe</c> may set; <c>headers</c> may not (their URIs would go unchecked).</summary>
    public static bool IsOwnedField(string name) =>
        name.Equals(ListUnsubscribe, StringComparison.OrdinalIgnoreCase) || name.Equals(ListUnsubscribePost, StringComparison.OrdinalIgnoreCase);

    /// <summary>Checks the URIs and, when all are good, adds the fields to <paramref name="message"/>.</summary>
    public static void Apply(IReadOnlyList<string>? uris, bool? oneClick, MimeMessage message, List<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(errors);
        if (uris is null)
        {
            if (oneClick is not null)
            {
                errors.Add(new FieldError("listUnsubscribeOneClick", "needs listUnsubscribe with an https URI"));
            }

            return;
        }

        if (uris.Count == 0)
        {
            errors.Add(new FieldError("listUnsubscribe", "is empty; give an https URI, a mailto URI, or both"));
            return;
        }

        if (uris.Count > 2)
        {
            // Refused before any URI is checked: there is room for one of each kind only.
            errors.Add(new FieldError("listUnsubscribe", $"{uris.Count} URIs; give at most one https and one mailto URI"));
            return;
        }

        var before = errors.Count;
        var https = 0;
        var mailto = 0;
        for (var i = 0; i < uris.Count; i++)
        {
            var field = uris.Count == 1 ? "listUnsubscribe" : $"listUnsubscribe[{i}]";
            switch (Check(uris[i]))
            {
                case (null, "https"):
                    https++;
                    break;
                case (null, _):
                    mailto++;
                    break;
                case ({ } problem, _):
                    errors.Add(new FieldError(field, problem));
                    break;
            }
        }

        if (https > 1 || mailto > 1)
        {
            errors.Add(new FieldError("listUnsubscribe", "give at most one https and one mailto URI"));
        }

        if (oneClick == true && https == 0)
        {
            errors.Add(new FieldError("listUnsubscribeOneClick", "one-click unsubscription (RFC 8058) needs an https URI in listUnsubscribe"));
        }

        if (errors.Count > before)
        {
            return;
        }

        message.Headers.Add(ListUnsubscribe, string.Join(", ", uris.Select(u => $"<{u.Trim()}>")));
        if (https > 0 && oneClick != false)
        {
            message.Headers.Add(ListUnsubscribePost, OneClick);
        }
    }

    // Returns the problem, or the scheme of a good URI.
    private static (string? Problem, string? Scheme) Check(string? input)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            return ("is empty", null);
        }

        var uri = input.Trim();
        if (HeaderRules.ContainsLineBreak(uri))
        {
            return ("contains CR or LF", null);
        }

        if (uri.Length > MaxUriLength)
        {
            return ($"is longer than {MaxUriLength} characters", null);
        }

        // Inside <…> a URI must be plain ASCII without spaces, brackets or commas (RFC 2369 §2: commas and spaces escaped).
        if (uri.Any(c => c is <= ' ' or > '~' or '<' or '>' or ',' or '"'))
        {
            return ("must be ASCII without spaces, quotes, angle brackets or commas; percent-encode them (%20, %2C, …)", null);
        }

        // .NET's Uri is stricter about mailto than RFC 6068, so mailto is checked by hand.
        if (uri.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
        {
            return CheckMailto(uri);
        }

        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
        {
            return ($"'{uri}' is not an absolute URI", null);
        }

        switch (parsed.Scheme)
        {
            case "https":
                if (string.IsNullOrEmpty(parsed.Host))
                {
                    return ("an https URI needs a host", null);
                }

                if (parsed.UserInfo.Length > 0)
                {
                    return ("an https URI must not carry user information", null);
                }

                return (null, "https");
            default:
                return ($"scheme '{parsed.Scheme}' is not allowed: use https (one-click, RFC 8058) or mailto", null);
        }
    }

    private static (string? Problem, string? Scheme) CheckMailto(string uri)
    {
        // mailto:addr[?subject=…&body=…] (RFC 6068 §2); one address, the one the receiver mails to unsubscribe.
        var rest = uri["mailto:".Length..];
        var query = rest.IndexOf('?', StringComparison.Ordinal);
        var address = Uri.UnescapeDataString(query < 0 ? rest : rest[..query]);
        if (address.Contains(',', StringComparison.Ordinal) || !AddressRules.TryParseMailbox(address, out var mailbox, out _)
            || !string.IsNullOrEmpty(mailbox!.Name))
        {
            return ($"'{address}' is not one email address; use mailto:address[?subject=…]", null);
        }

        return (null, "mailto");
    }
}
