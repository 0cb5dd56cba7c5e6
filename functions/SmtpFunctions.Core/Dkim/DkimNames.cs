using System.Globalization;

namespace SmtpFunctions.Core.Dkim;

/// <summary>Syntax of the <c>d=</c> domain and <c>s=</c> selector, and the DNS name a key is published at.</summary>
/// <remarks>RFC 6376 §3.1 (selector = sub-domain *("." sub-domain)), §3.5 (<c>d=</c> in A-labels), §3.6.2.1 (the TXT name).</remarks>
public static class DkimNames
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    /// <summary>The lower-case A-label form of a domain name, or null when it is not a fully qualified host name.</summary>
    public static string? NormalizeDomain(string? domain)
    {
        if (string.IsNullOrWhiteSpace(domain))
        {
            return null;
        }

        string ascii;
        try
        {
            ascii = Idn.GetAscii(domain.Trim().TrimEnd('.')).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }

        return ascii.Length <= 253 && ascii.Contains('.', StringComparison.Ordinal) && ascii.Split('.').All(IsLdhLabel) ? ascii : null;
    }

    /// <summary>True for a selector made of letter-digit-hyphen labels separated by dots.</summary>
    public static bool IsValidSelector(string? selector) =>
        !string.IsNullOrEmpty(selector) && selector.Length <= 63 && selector.Split('.').All(IsLdhLabel);

    /// <summary>The DNS name of the public key record: <c>{selector}._domainkey.{domain}</c>.</summary>
    public static string RecordName(string selector, string domain) => $"{selector}._domainkey.{domain}";

    private static bool IsLdhLabel(string label) =>
        label.Length is > 0 and <= 63
        && char.IsAsciiLetterOrDigit(label[0])
        && char.IsAsciiLetterOrDigit(label[^1])
        && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
