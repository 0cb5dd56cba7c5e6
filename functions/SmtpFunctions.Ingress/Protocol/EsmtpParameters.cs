using System.Text;

namespace SmtpFunctions.Ingress.Protocol;

/// <summary>
/// Checks the ESMTP parameters of MAIL FROM and RCPT TO against the extensions we advertise, before SmtpServer (which
/// accepts any <c>KEY=value</c> and reads SIZE as a 32-bit number) sees the command. Replies are Postfix's.
/// </summary>
/// <remarks>
/// RFC 5321 §4.1.2 (Mail-parameters, esmtp-keyword and esmtp-value), RFC 1870 §3 (SIZE: 1*20DIGIT), RFC 6152 (BODY),
/// RFC 6531 §3.4 (SMTPUTF8), RFC 4954 §5 (AUTH=xtext). A parameter of an extension we do not offer — DSN's RET, ENVID,
/// NOTIFY, ORCPT among them — is refused with <c>555 5.5.4</c> (RFC 5321 §4.2.2; Postfix: "Unsupported option").
/// </remarks>
public static class EsmtpParameters
{
    private const int MaxSizeDigits = 20;

    /// <summary>What MAIL FROM's parameters say, or why the command is refused.</summary>
    /// <param name="Refusal">The reply to give instead of running the command; null when the parameters are fine.</param>
    /// <param name="DeclaredSize">The SIZE the client declared, if any.</param>
    public readonly record struct MailCheck(string? Refusal, long? DeclaredSize);

    /// <summary>Checks a <c>MAIL FROM:&lt;path&gt; params</c> line (CRLF optional); a line that does not parse is left to SmtpServer.</summary>
    public static MailCheck CheckMail(ReadOnlySpan<byte> line, long maxMessageBytes)
    {
        if (!TryGetParameters(line, "MAIL FROM:"u8, out var parameters))
        {
            return default;
        }

        long? size = null;
        foreach (var parameter in Split(parameters))
        {
            var (keyword, value) = KeywordAndValue(parameter);
            switch (keyword.ToUpperInvariant())
            {
                case "SIZE" when value is not null:
                    if (value.Length == 0 || !value.All(char.IsAsciiDigit))
                    {
                        return new MailCheck("501 5.5.4 Bad message size syntax", null);
                    }

                    // RFC 1870 allows 20 digits; Postfix refuses a number it cannot hold as too large, not as bad syntax.
                    if (value.Length > MaxSizeDigits || !long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var declared))
                    {
                        return new MailCheck("552 5.3.4 Message size exceeds file system imposed limit", null);
                    }

                    if (declared > maxMessageBytes)
                    {
                        return new MailCheck($"552 5.3.4 Message size exceeds fixed limit ({maxMessageBytes} octets)", null);
                    }

                    size = declared;
                    break;
                case "BODY" when value is not null:
                    if (!value.Equals("7BIT", StringComparison.OrdinalIgnoreCase) && !value.Equals("8BITMIME", StringComparison.OrdinalIgnoreCase))
                    {
                        return new MailCheck("501 5.5.4 Bad BODY keyword syntax", null);
                    }

                    break;
                case "SMTPUTF8" when value is null:
                    break;
                case "AUTH" when value is not null:
                    if (!IsXtext(value))
                    {
                        return new MailCheck("501 5.5.4 Bad AUTH parameter syntax", null);
                    }

                    break;
                default:
                    return new MailCheck($"555 5.5.4 Unsupported option: {SmtpReplies.Clean(parameter)}", null);
            }
        }

        return new MailCheck(null, size);
    }

    /// <summary>The refusal for a <c>RCPT TO:&lt;path&gt; params</c> line, or null: we offer no RCPT extension, so any parameter is one too many.</summary>
    public static string? CheckRcpt(ReadOnlySpan<byte> line)
    {
        if (!TryGetParameters(line, "RCPT TO:"u8, out var parameters))
        {
            return null;
        }

        var first = Split(parameters).FirstOrDefault();
        return first is null ? null : $"555 5.5.4 Unsupported option: {SmtpReplies.Clean(first)}";
    }

    // The text after the path, or false when the line is not "<prefix><path>…" (SmtpServer then answers the syntax error).
    private static bool TryGetParameters(ReadOnlySpan<byte> line, ReadOnlySpan<byte> prefix, out string parameters)
    {
        parameters = "";
        if (line.EndsWith("\r\n"u8))
        {
            line = line[..^2];
        }

        if (line.Length < prefix.Length || !Ascii.EqualsIgnoreCase(line[..prefix.Length], prefix))
        {
            return false;
        }

        var rest = line[prefix.Length..].TrimStart((byte)' ');
        int end;
        if (rest.Length > 0 && rest[0] == '<')
        {
            end = PathEnd(rest);
            if (end < 0)
            {
                return false;
            }
        }
        else
        {
            // A bare address (no angle brackets), which some clients send: it ends at the first space.
            end = rest.IndexOf((byte)' ');
            end = end < 0 ? rest.Length : end;
        }

        parameters = Encoding.UTF8.GetString(rest[end..]);
        return true;
    }

    // Index just after the '>' closing the path, skipping quoted local parts ("a>b"@example.com) and quoted pairs.
    private static int PathEnd(ReadOnlySpan<byte> path)
    {
        var quoted = false;
        for (var i = 1; i < path.Length; i++)
        {
            switch (path[i])
            {
                case (byte)'\\' when quoted:
                    i++;
                    break;
                case (byte)'"':
                    quoted = !quoted;
                    break;
                case (byte)'>' when !quoted:
                    return i + 1;
            }
        }

        return -1;
    }

    private static string[] Split(string parameters) =>
        parameters.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static (string Keyword, string? Value) KeywordAndValue(string parameter)
    {
        var equals = parameter.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (parameter, null) : (parameter[..equals], parameter[(equals + 1)..]);
    }

    // RFC 3461 §4: xtext = *( xchar / hexchar ), xchar = "!".."~" except "+" and "=", hexchar = "+" 2HEXDIG (upper case).
    private static bool IsXtext(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '+')
            {
                if (i + 2 >= value.Length || !char.IsAsciiHexDigitUpper(value[i + 1]) || !char.IsAsciiHexDigitUpper(value[i + 2]))
                {
                    return false;
                }

                i += 2;
            }
            else if (c is < '!' or > '~' or '=')
            {
                return false;
            }
        }

        return value.Length > 0;
    }
}
