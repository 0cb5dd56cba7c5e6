using System.Buffers;
using System.Text;
using MimeKit;

namespace SmtpFunctions.Core.Submission;

/// <summary>
/// What a message that arrived as MIME (HTTP <c>message/rfc822</c>, SMTP DATA) must lose or have re-encoded before we
/// store and relay it; a JSON message is built clean and only gets the line check of the written octets.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>Return-Path</c> (added by the final delivery, RFC 5321 §4.4), <c>Bcc</c> and <c>Resent-Bcc</c> (their
/// recipients are on the envelope, RFC 5322 §3.6.3) are removed.</item>
/// <item><c>DKIM-Signature</c>, <c>ARC-*</c> and <c>Authentication-Results</c> from the submitter are removed unless the
/// operator keeps them (<c>Submission:KeepSubmittedAuthenticationHeaders</c>): they are claims about an earlier hop that a
/// receiver would otherwise credit to us (RFC 8601 §5).</item>
/// <item>Lines longer than 998 octets (RFC 5322 §2.1.1), which receiving MTAs refuse: a header is re-folded; a body part
/// in 7bit/8bit/binary is re-encoded (quoted-printable for text, base64 otherwise); what cannot be (a header without a
/// fold point, base64 or quoted-printable content that is itself malformed, a multipart preamble) is refused.</item>
/// </list>
/// </remarks>
internal static class MessageHygiene
{
    /// <summary>The longest line RFC 5322 §2.1.1 allows, without its CRLF.</summary>
    public const int MaxLineLength = 998;

    private static readonly string[] Dropped = ["Return-Path", "Bcc", "Resent-Bcc"];

    private static readonly string[] Authentication = ["DKIM-Signature", "Authentication-Results"];

    /// <summary>Applies every rule to a submitted message; adds what cannot be repaired to <paramref name="errors"/>.</summary>
    public static void Apply(MimeMessage message, bool keepAuthenticationHeaders, List<FieldError> errors)
    {
        RemoveFields(message.Headers, keepAuthenticationHeaders);
        FoldLongHeaders(message.Headers, errors);
        if (message.Body is { } body)
        {
            Clean(body, "1", errors);
        }
    }

    private static void RemoveFields(HeaderList headers, bool keepAuthenticationHeaders)
    {
        foreach (var name in Dropped)
        {
            headers.RemoveAll(name);
        }

        if (keepAuthenticationHeaders)
        {
            return;
        }

        foreach (var name in Authentication)
        {
            headers.RemoveAll(name);
        }

        for (var i = headers.Count - 1; i >= 0; i--)
        {
            if (headers[i].Field.StartsWith("ARC-", StringComparison.OrdinalIgnoreCase))
            {
                headers.RemoveAt(i);
            }
        }
    }

    private static void FoldLongHeaders(HeaderList headers, List<FieldError> errors)
    {
        foreach (var header in headers)
        {
            if (LongestLine(header) <= MaxLineLength)
            {
                continue;
            }

            // MimeKit folds a value it formats itself: address lists at commas, unstructured text into encoded words.
            header.SetValue(FormatOptions.Default, Encoding.UTF8, header.Value);
            if (LongestLine(header) > MaxLineLength)
            {
                errors.Add(new FieldError(header.Field, $"has a line longer than {MaxLineLength} octets that cannot be folded (RFC 5322 §2.1.1)"));
            }
        }
    }

    private static void Clean(MimeEntity entity, string part, List<FieldError> errors)
    {
        FoldLongHeaders(entity.Headers, errors);

        switch (entity)
        {
            case Multipart multipart:
                if (LongestLine(multipart.Preamble) > MaxLineLength || LongestLine(multipart.Epilogue) > MaxLineLength)
                {
                    errors.Add(new FieldError("body", $"part {part} ({multipart.ContentType.MimeType}): its preamble or epilogue has a line longer than {MaxLineLength} octets"));
                }

                for (var i = 0; i < multipart.Count; i++)
                {
                    Clean(multipart[i], $"{part}.{i + 1}", errors);
                }

                break;
            case MessagePart { Message: { } embedded }:
                // An attached message is content: its fields stay, only its long lines are dealt with.
                FoldLongHeaders(embedded.Headers, errors);
                if (embedded.Body is { } body)
                {
                    Clean(body, part, errors);
                }

                break;
            case MimePart { Content: { Stream: not null } content } leaf:
                ReEncodeLongLines(leaf, content, part, errors);
                break;
        }
    }

    private static void ReEncodeLongLines(MimePart part, IMimeContent content, string path, List<FieldError> errors)
    {
        var longest = LongestLine(content.Stream!);
        if (longest <= MaxLineLength)
        {
            return;
        }

        switch (content.Encoding)
        {
            case ContentEncoding.Default or ContentEncoding.SevenBit or ContentEncoding.EightBit or ContentEncoding.Binary:
                // MimeKit writes the content through the new encoding when it differs from the content's own.
                part.ContentTransferEncoding = part is TextPart ? ContentEncoding.QuotedPrintable : ContentEncoding.Base64;
                break;
            default:
                errors.Add(new FieldError("body",
                    $"part {path} ({part.ContentType.MimeType}) has a line of {longest} octets in {content.Encoding} content, which is malformed; lines may be at most {MaxLineLength} octets"));
                break;
        }
    }

    private static long LongestLine(Header header)
    {
        var raw = header.RawValue;
        if (header.Field.Length + 1 + raw.Length <= MaxLineLength)
        {
            return 0; // too short to hold a long line: the common case, without a copy
        }

        var counter = new LineLengthCounter();
        counter.Feed(Encoding.ASCII.GetBytes(header.Field + ":"));
        counter.Feed(raw);
        return counter.Result;
    }

    private static long LongestLine(string? text)
    {
        if (text is null || text.Length * 3 <= MaxLineLength)
        {
            return 0;
        }

        var counter = new LineLengthCounter();
        counter.Feed(Encoding.UTF8.GetBytes(text));
        return counter.Result;
    }

    private static long LongestLine(Stream stream)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            stream.Position = 0;
            var counter = new LineLengthCounter();
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                counter.Feed(chunk.AsSpan(0, read));
            }

            return counter.Result;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
            stream.Position = 0;
        }
    }
}
