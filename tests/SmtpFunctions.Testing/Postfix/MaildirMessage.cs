using System.Text;
using MimeKit;

namespace SmtpFunctions.Testing.Postfix;

/// <summary>A message Postfix delivered into a Maildir, as raw bytes for byte-for-byte and header-for-header comparison.</summary>
/// <remarks>
/// Postfix stores lines with LF endings; <see cref="Bytes"/> restores the CRLF of the SMTP wire (RFC 5321 §2.3.8), so a
/// message sent with CRLF line ends compares equal. On top Postfix prepends <c>Return-Path</c>,
/// <c>X-Original-To</c>, <c>Delivered-To</c> (virtual(8)) and its own <c>Received</c> (smtpd);
/// <see cref="OriginalBytes"/> is the message without those, i.e. exactly what the SMTP client sent after DATA.
/// </remarks>
public sealed class MaildirMessage
{
    private static readonly string[] DeliveryHeaders = ["Return-Path", "X-Original-To", "Delivered-To"];

    internal MaildirMessage(string path, byte[] stored, string peerHostName)
    {
        Path = path;
        Bytes = ToCrLf(stored);
        OriginalBytes = StripPeerHeaders(Bytes, peerHostName);
        Recipient = ToMimeMessage().Headers["Delivered-To"]?.Trim() ?? string.Empty;
    }

    /// <summary>The Maildir file.</summary>
    public string Path { get; }

    /// <summary>The recipient this copy was delivered for (the <c>Delivered-To</c> header virtual(8) adds).</summary>
    public string Recipient { get; }

    /// <summary>The message as delivered (with Postfix's trace headers), CRLF line ends.</summary>
    public byte[] Bytes { get; }

    /// <summary>The message as the SMTP client sent it: <see cref="Bytes"/> without the headers this Postfix prepended.</summary>
    public byte[] OriginalBytes { get; }

    /// <summary>The envelope sender Postfix recorded (<c>Return-Path</c>), without angle brackets; empty for <c>&lt;&gt;</c>.</summary>
    public string ReturnPath
    {
        get
        {
            var value = ToMimeMessage().Headers[HeaderId.ReturnPath] ?? string.Empty;
            return value.Trim().TrimStart('<').TrimEnd('>');
        }
    }

    /// <summary>Parses <see cref="Bytes"/> with MimeKit.</summary>
    public MimeMessage ToMimeMessage() => MimeMessage.Load(new MemoryStream(Bytes, writable: false));

    /// <summary>Parses <see cref="OriginalBytes"/> with MimeKit.</summary>
    public MimeMessage ToOriginalMimeMessage() => MimeMessage.Load(new MemoryStream(OriginalBytes, writable: false));

    /// <inheritdoc />
    public override string ToString() => $"{Recipient}: {Path} ({Bytes.Length} bytes)";

    internal static byte[] ToCrLf(byte[] stored)
    {
        var result = new MemoryStream(stored.Length + (stored.Length / 32));
        for (var i = 0; i < stored.Length; i++)
        {
            if (stored[i] == (byte)'\n' && (i == 0 || stored[i - 1] != (byte)'\r'))
            {
                result.WriteByte((byte)'\r');
            }

            result.WriteByte(stored[i]);
        }

        return result.ToArray();
    }

    private static byte[] StripPeerHeaders(byte[] message, string peerHostName)
    {
        var offset = 0;
        var strippedReceived = false;
        while (offset < message.Length)
        {
            var end = EndOfField(message, offset);
            var field = Encoding.Latin1.GetString(message, offset, end - offset);
            var colon = field.IndexOf(':', StringComparison.Ordinal);
            var name = colon > 0 ? field[..colon].Trim() : string.Empty;
            var isDeliveryHeader = DeliveryHeaders.Contains(name, StringComparer.OrdinalIgnoreCase);
            var isOwnReceived = !strippedReceived
                && name.Equals("Received", StringComparison.OrdinalIgnoreCase)
                && field.Contains($"by {peerHostName} (Postfix)", StringComparison.OrdinalIgnoreCase);
            if (!isDeliveryHeader && !isOwnReceived)
            {
                break;
            }

            strippedReceived |= isOwnReceived;
            offset = end;
        }

        return message[offset..];
    }

    /// <summary>The offset just past the header field starting at <paramref name="start"/> (folded lines included).</summary>
    private static int EndOfField(byte[] message, int start)
    {
        var position = start;
        while (true)
        {
            var lineFeed = Array.IndexOf(message, (byte)'\n', position);
            if (lineFeed < 0)
            {
                return message.Length;
            }

            position = lineFeed + 1;
            if (position >= message.Length || (message[position] != (byte)' ' && message[position] != (byte)'\t'))
            {
                return position;
            }
        }
    }
}
