namespace SmtpFunctions.Core.Submission;

/// <summary>Which custom header fields a JSON submission may set, and what their names and values may contain.</summary>
/// <remarks>Field names are RFC 5322 §3.6.8 <c>ftext</c> (printable US-ASCII except colon).</remarks>
public static class HeaderRules
{
    private static readonly HashSet<string> Structural = new(StringComparer.OrdinalIgnoreCase)
    {
        "From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Subject", "Message-ID", "Date", "MIME-Version",
        "Return-Path", "Received", "DKIM-Signature",
    };

    /// <summary>Checks one custom header; returns the problem, or null when it may be added.</summary>
    public static string? Check(string name, string? value)
    {
        if (!IsFieldName(name))
        {
            return "is not a valid header field name (printable ASCII without spaces or colon)";
        }

        if (Structural.Contains(name) || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
        {
            return "is a structural header and cannot be set here";
        }

        if (value is null)
        {
            return "needs a value";
        }

        return ContainsLineBreak(value) ? "value contains CR or LF" : null;
    }

    /// <summary>True for an RFC 5322 field name.</summary>
    public static bool IsFieldName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 76)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is < '!' or > '~' or ':')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the text would break out of a header line.</summary>
    public static bool ContainsLineBreak(string value) =>
        value.Contains('\r', StringComparison.Ordinal) || value.Contains('\n', StringComparison.Ordinal);
}
