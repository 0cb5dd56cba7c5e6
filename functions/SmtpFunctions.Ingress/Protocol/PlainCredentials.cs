using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace SmtpFunctions.Ingress.Protocol;

/// <summary>
/// Reads the authorization identity of an AUTH PLAIN response. SmtpServer ignores it and authenticates the user alone,
/// which would let <c>alice</c>'s password act as <c>bob</c>; an account may only act as itself here.
/// </summary>
/// <remarks>
/// RFC 4616 §2: message = [authzid] NUL authcid NUL passwd. An empty authzid, or one equal to the authcid, means "act as
/// the authenticated user"; anything else asks for a proxy authorization we never grant (Postfix with Dovecot answers
/// <c>535 5.7.8</c>).
/// </remarks>
public static class PlainCredentials
{
    /// <summary>
    /// True when <paramref name="line"/> (the Base64 response, CRLF optional) decodes to a PLAIN message whose authzid is
    /// neither empty nor the authcid. Undecodable input is false: SmtpServer refuses it as it stands.
    /// </summary>
    public static bool AsksForAnotherIdentity(ReadOnlySpan<byte> line)
    {
        if (line.EndsWith("\r\n"u8))
        {
            line = line[..^2];
        }

        line = line.Trim((byte)' ');
        if (line.IsEmpty || line.Length > 4 * 4096)
        {
            return false;
        }

        var decoded = ArrayPool<byte>.Shared.Rent(Base64.GetMaxDecodedFromUtf8Length(line.Length));
        try
        {
            if (Base64.DecodeFromUtf8(line, decoded, out _, out var written) != OperationStatus.Done)
            {
                return false;
            }

            var message = decoded.AsSpan(0, written);
            var first = message.IndexOf((byte)0);
            if (first <= 0)
            {
                return false;
            }

            var rest = message[(first + 1)..];
            var second = rest.IndexOf((byte)0);
            if (second < 0)
            {
                return false;
            }

            var authzid = Encoding.UTF8.GetString(message[..first]);
            var authcid = Encoding.UTF8.GetString(rest[..second]);
            return !string.Equals(authzid, authcid, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(decoded, clearArray: true);
        }
    }
}
