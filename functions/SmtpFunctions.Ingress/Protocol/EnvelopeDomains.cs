using System.Globalization;
using System.Text;

namespace SmtpFunctions.Ingress.Protocol;

/// <summary>
/// Rewrites an internationalised domain in MAIL FROM / RCPT TO to its A-label form (RFC 5890), since SmtpServer decodes
/// the domain of a path as ASCII and would turn <c>bücher.example</c> into <c>b??cher.example</c>. The two forms name the
/// same domain (RFC 6531 §3.2 allows either), and Core keeps envelope domains in A-label form anyway.
/// </summary>
public static class EnvelopeDomains
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    /// <summary>The command line with its path's domain in A-labels, or null when nothing needs (or can take) rewriting.</summary>
    public static byte[]? ToAsciiDomain(ReadOnlySpan<byte> line)
    {
        var open = line.IndexOf((byte)'<');
        var close = open < 0 ? -1 : line[open..].IndexOf((byte)'>');
        if (close < 0 || Ascii.IsValid(line))
        {
            return null;
        }

        close += open;
        var path = line[(open + 1)..close];
        var at = path.LastIndexOf((byte)'@');
        if (at < 0 || Ascii.IsValid(path[(at + 1)..]))
        {
            return null;
        }

        string ascii;
        try
        {
            ascii = Idn.GetAscii(Encoding.UTF8.GetString(path[(at + 1)..]));
        }
        catch (ArgumentException)
        {
            return null;
        }

        var domainStart = open + 1 + at + 1;
        return [.. line[..domainStart], .. Encoding.ASCII.GetBytes(ascii), .. line[close..]];
    }
}
