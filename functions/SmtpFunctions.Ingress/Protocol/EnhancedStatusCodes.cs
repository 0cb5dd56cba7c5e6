using System.Text.RegularExpressions;

namespace SmtpFunctions.Ingress.Protocol;

/// <summary>
/// Gives every reply an enhanced status code (RFC 3463), since we advertise ENHANCEDSTATUSCODES and SmtpServer writes
/// some of its own replies (<c>250 Ok</c>, <c>501 expected …</c>) without one.
/// </summary>
/// <remarks>
/// RFC 2034 §3: the code prefixes the text of every 2xx, 4xx and 5xx reply except the greeting and the replies to HELO and
/// EHLO; 3xx replies (334, 354) carry none. Codes chosen per command follow RFC 3463 §3 and the RFC 5248 registry.
/// </remarks>
public static partial class EnhancedStatusCodes
{
    private const string Unrecognized = "502 Unrecognized command";
    private const string OutOfSequence = "501 expected";
    private static readonly HashSet<string> KnownVerbs = new(StringComparer.Ordinal) { "EHLO", "HELO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", "STARTTLS", "AUTH" };

    /// <summary>Returns the reply line with an enhanced code inserted when it needs one and lacks it.</summary>
    /// <param name="line">One reply line without CRLF (<c>250 Ok</c> or <c>250-…</c>).</param>
    /// <param name="verb">The command the reply answers (upper case), <c>DATA-END</c> after the message, null for the greeting.</param>
    public static string Ensure(string line, string? verb)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (verb is not null && line.StartsWith(Unrecognized, StringComparison.Ordinal) && KnownVerbs.Contains(verb))
        {
            // SmtpServer's parser calls a known command with bad arguments "unrecognized"; RFC 5321 §4.2.2 says 501.
            return "501 5.5.4 Syntax error in parameters or arguments" + line[Unrecognized.Length..];
        }

        if (verb is not null && line.StartsWith(OutOfSequence, StringComparison.Ordinal))
        {
            // SmtpServer answers a command its state does not allow with "501 expected <verbs>"; RFC 5321 §4.3.2 and
            // Postfix say 503 5.5.1, with Postfix's words for the usual cases.
            return verb switch
            {
                "MAIL" => "503 5.5.1 Error: nested MAIL command",
                "RCPT" => "503 5.5.1 Error: need MAIL command",
                "DATA" => "503 5.5.1 Error: need RCPT command",
                _ => "503 5.5.1 Error: bad sequence of commands",
            };
        }

        if (verb is null or "EHLO" or "HELO" || line.Length < 3 || line[0] is not ('2' or '4' or '5')
            || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2]) || (line.Length > 3 && line[3] is not (' ' or '-')))
        {
            return line;
        }

        var text = line.Length > 4 ? line[4..] : "";
        if (HasCode().IsMatch(text))
        {
            return line;
        }

        var code = For(int.Parse(line.AsSpan(0, 3), System.Globalization.CultureInfo.InvariantCulture), verb, text);
        var separator = line.Length > 3 ? line[3] : ' ';
        return text.Length == 0 ? $"{line[..3]}{separator}{code}" : $"{line[..3]}{separator}{code} {text}";
    }

    /// <summary>The enhanced code for a reply code answering <paramref name="verb"/>.</summary>
    public static string For(int reply, string verb, string text = "")
    {
        ArgumentNullException.ThrowIfNull(verb);
        ArgumentNullException.ThrowIfNull(text);
        return reply switch
        {
            250 when verb == "MAIL" => "2.1.0",
            250 when verb == "RCPT" => "2.1.5",
            250 when verb == "DATA-END" => "2.6.0",
            235 => "2.7.0",
            >= 200 and < 300 => "2.0.0",
            421 => "4.3.2",
            451 => "4.3.0",
            452 when verb == "RCPT" => "4.5.3",
            452 => "4.3.1",
            >= 400 and < 500 => "4.0.0",
            500 => "5.5.2",
            501 => "5.5.4",
            502 or 503 => "5.5.1",
            504 => "5.5.4",
            530 => "5.7.0",
            534 => "5.7.9",
            535 => "5.7.8",
            550 when verb is "MAIL" => "5.1.8",
            550 when verb is "RCPT" => "5.1.1",
            552 => "5.3.4",
            553 when verb is "MAIL" => "5.1.7",
            553 => "5.1.3",
            554 when verb == "DATA" => "5.5.1",
            _ => "5.0.0",
        };
    }

    [GeneratedRegex(@"^[245]\.[0-9]{1,3}\.[0-9]{1,3}( |$)", RegexOptions.CultureInvariant)]
    private static partial Regex HasCode();
}
