using System.Buffers;
using System.Globalization;
using System.Text;

namespace SmtpFunctions.Core.Submission;

/// <summary>
/// Bounds a raw message's header block before MimeKit parses it: its size, its number of fields, and how many lines one
/// field may be folded over. One linear pass over the octets, no allocation.
/// </summary>
/// <remarks>
/// MimeKit's cost grows with the square of the lines one field is folded over (a To: of 20,000 addresses, one per line,
/// took 2 to 3 s to load) and its address parser runs at a few MB/s, so without these limits a 500 KB header block costs
/// seconds of CPU whatever the recipient limit says. Sendmail refuses header blocks over 32 KB
/// (<c>MaxHeadersLength</c>); Postfix truncates a field at 100 KiB (<c>header_size_limit</c>).
/// </remarks>
internal static class HeaderBlockLimits
{
    /// <summary>Most lines one field may span: far beyond a folded 99-address To: or a long References.</summary>
    public const int MaxLinesPerField = 1000;

    /// <summary>The problem with <paramref name="message"/>'s header block, or null when it is within the limits.</summary>
    public static FieldError? Check(ReadOnlySequence<byte> message, long maxBytes, int maxFields)
    {
        var reader = new SequenceReader<byte>(message);
        var fields = 0;
        var linesOfField = 0;
        var fieldName = "";
        while (reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            if (reader.Consumed > maxBytes)
            {
                return new FieldError("headers", string.Create(CultureInfo.InvariantCulture,
                    $"the header block is longer than {maxBytes} octets, the limit"));
            }

            new SequenceReader<byte>(line).TryPeek(out var first);
            if (line.IsEmpty || (line.Length == 1 && first == '\r'))
            {
                return null; // the empty line: the body starts
            }

            if (first is (byte)' ' or (byte)'\t')
            {
                if (++linesOfField > MaxLinesPerField)
                {
                    return new FieldError(fieldName, string.Create(CultureInfo.InvariantCulture,
                        $"is folded over more than {MaxLinesPerField} lines, the limit"));
                }

                continue;
            }

            if (++fields > maxFields)
            {
                return new FieldError("headers", string.Create(CultureInfo.InvariantCulture,
                    $"the message has more than {maxFields} header fields; at most {maxFields} are allowed"));
            }

            linesOfField = 1;
            fieldName = FieldName(line);
        }

        // No body: the whole message is headers, and the last line may lack its LF.
        return message.Length > maxBytes
            ? new FieldError("headers", string.Create(CultureInfo.InvariantCulture, $"the header block is longer than {maxBytes} octets, the limit"))
            : null;
    }

    // The name before the colon, for the error (at most what a field name may be long).
    private static string FieldName(ReadOnlySequence<byte> line)
    {
        Span<byte> start = stackalloc byte[80];
        var length = (int)Math.Min(line.Length, start.Length);
        line.Slice(0, length).CopyTo(start);
        var colon = start[..length].IndexOf((byte)':');
        var name = colon < 0 ? start[..length] : start[..colon];
        return Encoding.ASCII.GetString(name).Trim();
    }
}
