using System.Globalization;
using System.Text;
using MimeKit;

namespace SmtpFunctions.Core.Submission;

/// <summary>Parses and checks mailbox addresses with MimeKit, and turns them into envelope form.</summary>
/// <remarks>
/// Limits from RFC 5321 §4.5.3.1 (local part 64 octets, path 256 including brackets, domain 255); internationalised
/// domains go on the envelope as A-labels (RFC 5890), non-ASCII local parts need SMTPUTF8 (RFC 6531).
/// </remarks>
public static class AddressRules
{
    private static readonly ParserOptions Parser = CreateParser();
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    /// <summary>Parses exactly one mailbox (with or without display name) or says what is wrong.</summary>
    public static bool TryParseMailbox(string? input, out MailboxAddress? mailbox, out string? problem)
    {
        mailbox = null;
        if (string.IsNullOrWhiteSpace(input))
        {
            problem = "is empty";
            return false;
        }

        if (input.Contains('\r', StringComparison.Ordinal) || input.Contains('\n', StringComparison.Ordinal))
        {
            problem = "contains a line break";
            return false;
        }

        if (!InternetAddressList.TryParse(Parser, input, out var list) || list.Count == 0)
        {
            problem = $"'{input}' is not a valid email address";
            return false;
        }

        if (list.Count > 1 || list[0] is not MailboxAddress parsed)
        {
            problem = $"'{input}' must be exactly one mailbox";
            return false;
        }

        if (!TryCheck(parsed, out problem))
        {
            return false;
        }

        mailbox = parsed;
        return true;
    }

    /// <summary>Parses a bare envelope address (SMTP MAIL FROM / RCPT TO, without angle brackets).</summary>
    public static bool TryParseEnvelope(string? input, out EnvelopeAddress? address, out string? problem)
    {
        address = null;
        if (!TryParseMailbox(input, out var mailbox, out problem))
        {
            return false;
        }

        address = ToEnvelope(mailbox!);
        return true;
    }

    /// <summary>The envelope form of a checked mailbox.</summary>
    public static EnvelopeAddress ToEnvelope(MailboxAddress mailbox)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        var domain = Idn.GetAscii(mailbox.Domain.TrimEnd('.')).ToLowerInvariant();
        var local = mailbox.LocalPart;
        var needsUtf8 = !IsAscii(local);
        return new EnvelopeAddress(FormatLocalPart(local) + "@" + domain, domain, needsUtf8);
    }

    private static bool TryCheck(MailboxAddress mailbox, out string? problem)
    {
        var local = mailbox.LocalPart;
        var domain = mailbox.Domain;
        if (string.IsNullOrEmpty(local) || string.IsNullOrEmpty(domain))
        {
            problem = $"'{mailbox.Address}' needs a local part and a domain";
            return false;
        }

        if (domain.StartsWith('[') || System.Net.IPAddress.TryParse(domain, out _))
        {
            problem = $"'{mailbox.Address}': address literals are not accepted, use a domain name";
            return false;
        }

        if (Encoding.UTF8.GetByteCount(local) > 64)
        {
            problem = $"'{mailbox.Address}': the local part is longer than 64 octets";
            return false;
        }

        string ascii;
        try
        {
            ascii = Idn.GetAscii(domain.TrimEnd('.'));
        }
        catch (ArgumentException)
        {
            problem = $"'{mailbox.Address}': '{domain}' is not a valid domain name";
            return false;
        }

        if (!ascii.Contains('.', StringComparison.Ordinal))
        {
            problem = $"'{mailbox.Address}': the domain must be fully qualified";
            return false;
        }

        if (ascii.Length > 253 || Encoding.UTF8.GetByteCount(local) + 1 + ascii.Length > 254)
        {
            problem = $"'{mailbox.Address}' is longer than an SMTP path may be";
            return false;
        }

        problem = null;
        return true;
    }

    // The local part as it goes on the wire: quoted when it is not a dot-atom (RFC 5321 §4.1.2).
    private static string FormatLocalPart(string local)
    {
        if (IsDotAtom(local) || (local.Length > 1 && local[0] == '"' && local[^1] == '"'))
        {
            return local;
        }

        var builder = new StringBuilder(local.Length + 2).Append('"');
        foreach (var c in local)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.Append('"').ToString();
    }

    private static bool IsDotAtom(string local)
    {
        if (local.Length == 0 || local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in local)
        {
            var atext = char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~.".Contains(c, StringComparison.Ordinal) || c > 127;
            if (!atext)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAscii(string value)
    {
        foreach (var c in value)
        {
            if (c > 127)
            {
                return false;
            }
        }

        return true;
    }

    private static ParserOptions CreateParser()
    {
        var options = ParserOptions.Default.Clone();
        options.AddressParserComplianceMode = RfcComplianceMode.Strict;
        options.AllowAddressesWithoutDomain = false;
        options.AllowUnquotedCommasInAddresses = false;
        return options;
    }
}
