using System.Buffers;
using Microsoft.IO;
using MimeKit;
using SmtpFunctions.Core.Buffers;

namespace SmtpFunctions.Core.Submission;

/// <summary>Completes the headers a message must have and writes it as it will be stored and sent.</summary>
/// <remarks>
/// Message-ID and Date are added when absent (RFC 5322 §3.6.1, §3.6.4). Lines end in CRLF; headers are UTF-8 only when the
/// message needs SMTPUTF8 anyway (RFC 6532), otherwise encoded words and A-label domains keep it 7-bit.
/// </remarks>
public static class MessageSerializer
{
    /// <summary>Adds Message-ID (as <c>&lt;id@domain&gt;</c>) and Date when missing.</summary>
    public static void CompleteHeaders(MimeMessage message, string id, string messageIdDomain, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (string.IsNullOrWhiteSpace(message.MessageId))
        {
            message.MessageId = $"{id}@{messageIdDomain}";
        }

        if (!message.Headers.Contains(HeaderId.Date))
        {
            message.Date = now;
        }
    }

    /// <summary>Makes the body 7-bit clean (quoted-printable/base64 where needed) for a message we built ourselves.</summary>
    public static void PrepareBuiltMessage(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Prepare(EncodingConstraint.SevenBit, 998);
    }

    /// <summary>The options <see cref="Write"/> uses; a DKIM signature must be computed with the same ones.</summary>
    public static FormatOptions FormatFor(bool international)
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        options.International = international;
        options.EnsureNewLine = true;
        return options;
    }

    /// <summary>Writes the message with CRLF line ends.</summary>
    public static byte[] Write(MimeMessage message, bool international) => WriteToMemory(message, international, 0).ToArray();

    /// <summary>
    /// Writes the message with CRLF line ends into one buffer of about <paramref name="sizeHint"/> octets (0: unknown)
    /// and returns the written part of it: no copy to a right-sized array, and none while growing when the hint is right.
    /// </summary>
    public static ReadOnlyMemory<byte> WriteToMemory(MimeMessage message, bool international, int sizeHint)
    {
        ArgumentNullException.ThrowIfNull(message);
        var stream = sizeHint > 0 ? new MemoryStream(sizeHint) : new MemoryStream();
        message.WriteTo(FormatFor(international), stream);
        return stream.GetBuffer().AsMemory(0, (int)stream.Length);
    }

    /// <summary>Writes the message with CRLF line ends into a pooled buffer (the caller disposes it).</summary>
    public static RecyclableMemoryStream WriteToBuffer(MimeMessage message, bool international)
    {
        ArgumentNullException.ThrowIfNull(message);
        var buffer = MessageBuffers.Rent("stored-mime");
        try
        {
            message.WriteTo(FormatFor(international), buffer);
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>True when any octet after the header block is 8-bit, so the peer must offer 8BITMIME (RFC 6152).</summary>
    public static bool HasEightBitBody(ReadOnlySpan<byte> mime)
    {
        var end = mime.IndexOf("\r\n\r\n"u8);
        var body = end < 0 ? ReadOnlySpan<byte>.Empty : mime[(end + 4)..];
        return body.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;
    }

    /// <summary>The same test on a message in pooled blocks.</summary>
    public static bool HasEightBitBody(ReadOnlySequence<byte> mime)
    {
        var reader = new SequenceReader<byte>(mime);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8))
        {
            return false;
        }

        foreach (var segment in mime.Slice(reader.Position))
        {
            if (segment.Span.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Length in octets of the longest line (without its CRLF): RFC 5322 §2.1.1 allows 998.</summary>
    public static long LongestLine(ReadOnlySequence<byte> mime)
    {
        var counter = new LineLengthCounter();
        foreach (var segment in mime)
        {
            counter.Feed(segment.Span);
        }

        return counter.Result;
    }
}
