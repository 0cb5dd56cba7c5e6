using System.Security.Cryptography;
using System.Text;

namespace SmtpFunctions.Core.Submission;

/// <summary>Makes message ids: 26 lower-case Crockford base32 characters, time-ordered like a ULID, safe as a table key.</summary>
public sealed class MessageIds(TimeProvider time)
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    /// <summary>A new id: 48 bits of milliseconds then 80 random bits, so ids sort by submission time.</summary>
    public string New()
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = time.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)(ms & 0xFF);
            ms >>= 8;
        }

        RandomNumberGenerator.Fill(bytes[6..]);
        return Encode(bytes);
    }

    /// <summary>The id for an idempotency key: the same key always names the same message.</summary>
    public static string ForIdempotencyKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("smtpfunctions/idempotency-key/" + key), hash);
        return Encode(hash[..16]);
    }

    /// <summary>
    /// The id for a tenant's idempotency key: the same key in two tenants names two messages. The default tenant's ids are
    /// those of <see cref="ForIdempotencyKey(string)"/>, so keys used before tenants still replay after an upgrade.
    /// </summary>
    /// <remarks>
    /// The other tenants hash under a different prefix, and tenant ids hold no newline, so no key of one tenant can
    /// produce the input of another's.
    /// </remarks>
    public static string ForIdempotencyKey(string tenantId, string key)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        ArgumentNullException.ThrowIfNull(key);
        if (tenantId == Tenants.TenantIds.Default)
        {
            return ForIdempotencyKey(key);
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("smtpfunctions/tenant-idempotency-key/" + tenantId + "\n" + key), hash);
        return Encode(hash[..16]);
    }

    /// <summary>True when <paramref name="id"/> has the shape of an id (guards table queries built from URLs).</summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: 26 } && id.All(c => Alphabet.Contains(c, StringComparison.Ordinal));

    private static string Encode(ReadOnlySpan<byte> bytes)
    {
        // 128 bits -> 26 base32 digits (the first carries 3 bits).
        var value = new UInt128(
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[..8]),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..16]));
        Span<char> chars = stackalloc char[26];
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }

        return new string(chars);
    }
}
