using System.Buffers;
using MimeKit;
using SmtpFunctions.Core.Buffers;

namespace SmtpFunctions.Core.Submission;

/// <summary>A submission that passed every rule: its final MIME octets in pooled memory, ready to store.</summary>
/// <param name="Message">
/// The message's headers (Bcc removed, Received, Message-ID and Date present). Its body content is released once the
/// octets are written: read the message from <paramref name="Mime"/>.
/// </param>
/// <param name="Envelope">Reverse-path and distinct recipients.</param>
/// <param name="Mime">The octets to store and send, CRLF line ends; valid until this is disposed.</param>
/// <param name="RequiresSmtpUtf8">The envelope or headers need SMTPUTF8 (RFC 6531).</param>
/// <param name="EightBit">The body has 8-bit octets (needs 8BITMIME, RFC 6152).</param>
/// <param name="Dkim">What DKIM-signed it (<c>d=… s=… a=…; …</c>), or <c>unsigned</c>.</param>
public sealed record PreparedSubmission(
    MimeMessage Message, Envelope Envelope, ReadOnlySequence<byte> Mime, bool RequiresSmtpUtf8, bool EightBit, string Dkim) : IDisposable
{
    /// <summary>The submission's metadata (JSON submissions only), checked by <see cref="MessageMetadata"/>.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>The submission's tags (JSON submissions only), checked by <see cref="MessageTags"/>.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>What holds <see cref="Mime"/>.</summary>
    internal IDisposable? Owner { get; init; }

    /// <summary>Length of the stored message in octets.</summary>
    public long Size => Mime.Length;

    /// <summary>A seekable stream over the octets (for the upload, which may rewind to retry).</summary>
    public Stream OpenRead() => new SequenceStream(Mime);

    /// <summary>Returns the octets' memory to the pool.</summary>
    public void Dispose() => Owner?.Dispose();
}
