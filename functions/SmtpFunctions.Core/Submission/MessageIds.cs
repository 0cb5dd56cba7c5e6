using System.Security.Cryptography;
using System.Text;

namespace SmtpFunctions.Core.Submission;

/// <summary>Makes message ids: 26 lower-case Crockford base32 characters, random from the first character on, safe as a table key.</summary>
/// <remarks>
/// The id is the status table's PartitionKey and the blob names' prefix, and Azure Storage serves keys by ranges: ids
/// that start with a timestamp (as they did before, ULID-like) all land at the end of the range, one hot server for every
/// write. New ids put their 80 random bits first and the milliseconds after, so writes spread over the whole range; ids
/// of the old layout have the same alphabet and length and stay valid everywhere (<see cref="IsWellFormed"/>).
/// </remarks>
public sealed class MessageIds(TimeProvider time)
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    /// <summary>A new id: 80 random bits then 48 bits of milliseconds (kept for a person reading logs, not for sorting).</summary>
    public string New()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes[..10]);
        var ms = time.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = 15; i >= 10; i--)
        {
            bytes[i] = (byte)(ms & 0xFF);
            ms >>= 8;
        }

        return Encode(bytes);
    }

    /// <summary>An id of the old, time-ordered layout (48 bits of milliseconds first), as messages accepted before had.</summary>
    /// <remarks>Only for showing that those ids are still read everywhere; nothing makes new ones like this.</remarks>
    public static string LegacyTimeOrdered(DateTimeOffset at, ReadOnlySpan<byte> random)
    {
        if (random.Length != 10)
        {
            throw new ArgumentException("Ten random octets.", nameof(random));
        }

        Span<byte> bytes = stackalloc byte[16];
        var ms = at.ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)(ms & 0xFF);
            ms >>= 8;
        }

        random.CopyTo(bytes[6..]);
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

    /// <summary>True when <paramref name="id"/> has the shape of an id, of either layout (guards table queries built from URLs).</summary>
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
