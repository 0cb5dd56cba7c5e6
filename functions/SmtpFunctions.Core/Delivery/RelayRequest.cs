using System.Buffers;
using SmtpFunctions.Core.Buffers;

namespace SmtpFunctions.Core.Delivery;

/// <summary>One SMTP transaction to make: one message, one sender, the pending recipients of one domain.</summary>
/// <param name="Domain">Recipient domain (ASCII, lower-case).</param>
/// <param name="Sender">Envelope sender; null for the null reverse-path <c>&lt;&gt;</c>.</param>
/// <param name="Recipients">Envelope recipients, all in <paramref name="Domain"/>.</param>
/// <param name="Mime">The stored message, sent as is (empty when <see cref="Content"/> carries it).</param>
/// <param name="RequiresSmtpUtf8">The envelope or headers need SMTPUTF8 (RFC 6531).</param>
/// <param name="EightBit">The body has 8-bit octets (RFC 6152).</param>
public sealed record RelayRequest(
    string Domain,
    string? Sender,
    IReadOnlyList<string> Recipients,
    ReadOnlyMemory<byte> Mime,
    bool RequiresSmtpUtf8,
    bool EightBit)
{
    /// <summary>
    /// The stored message as a seekable stream (a pooled download of the blob), used instead of <see cref="Mime"/> when
    /// set: the message is then parsed and sent where it lies, never copied into an array. The caller owns the stream.
    /// </summary>
    public Stream? Content { get; init; }

    /// <summary>Size of the message in octets (for SIZE and BDAT).</summary>
    public long Size => Content?.Length ?? Mime.Length;

    /// <summary>The message as a seekable stream positioned at its start, whichever way it was given.</summary>
    public Stream OpenContent()
    {
        if (Content is { } content)
        {
            content.Position = 0;
            return content;
        }

        return new SequenceStream(new ReadOnlySequence<byte>(Mime));
    }
}
