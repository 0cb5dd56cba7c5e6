using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SmtpFunctions.Core.Events;

/// <summary>
/// Signs webhook requests as the Standard Webhooks specification describes: headers <c>webhook-id</c>,
/// <c>webhook-timestamp</c> (Unix seconds) and <c>webhook-signature</c> (<c>v1,</c> + Base64 HMAC-SHA256 of
/// <c>id.timestamp.body</c>), keyed with the Base64 part of a <c>whsec_</c> secret.
/// </summary>
public static class WebhookSignature
{
    /// <summary>Prefix of secrets.</summary>
    public const string SecretPrefix = "whsec_";

    /// <summary>The id header.</summary>
    public const string IdHeader = "webhook-id";

    /// <summary>The timestamp header.</summary>
    public const string TimestampHeader = "webhook-timestamp";

    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "webhook-signature";

    /// <summary>A new random secret: 32 random bytes (the specification allows keys of 24 to 64 bytes).</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The key inside a secret, or null when it is not <c>whsec_</c> + Base64 of 24 to 64 bytes.</summary>
    public static byte[]? KeyOf(string? secret)
    {
        if (secret is null || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var buffer = new byte[64];
        return Convert.TryFromBase64String(secret[SecretPrefix.Length..], buffer, out var length) && length is >= 24 and <= 64 ? buffer[..length] : null;
    }

    /// <summary>The <c>webhook-signature</c> value for a request.</summary>
    public static string Sign(string secret, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var key = KeyOf(secret) ?? throw new ArgumentException("Not a whsec_ secret.", nameof(secret));
        var prefix = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{id}.{timestamp}."));
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }

    /// <summary>
    /// Whether <paramref name="signatureHeader"/> (space-separated <c>v1,…</c> entries) holds a valid signature of the
    /// request, with a timestamp within <paramref name="tolerance"/> of <paramref name="now"/> (the replay defence).
    /// </summary>
    public static bool Verify(string secret, string id, string timestampText, string signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)
            || (now - DateTimeOffset.FromUnixTimeSeconds(timestamp)).Duration() > tolerance)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, id, timestamp, body));
        return signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), expected));
    }
}
