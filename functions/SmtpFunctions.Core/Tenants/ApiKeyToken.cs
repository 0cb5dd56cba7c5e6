using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace SmtpFunctions.Core.Tenants;

/// <summary>
/// An API key as callers hold it: <c>sf_&lt;key id&gt;_&lt;secret&gt;</c>. The key id (16 base32 characters, 80 random bits)
/// names the key's table row, so that a lookup is one point read; the secret (256 random bits, base64url) is shown once
/// and stored only as its SHA-256.
/// </summary>
/// <remarks>
/// A fast hash is enough: the secret is 256 random bits, not a password, so no dictionary or brute force can reach it and
/// a slow KDF would only cost CPU on every cache miss.
/// </remarks>
public sealed record ApiKeyToken(string KeyId, string Secret)
{
    /// <summary>What every token starts with (lets secret scanners and people recognise one).</summary>
    public const string Prefix = "sf_";

    private const string IdAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private const int IdLength = 16;
    private const int SecretLength = 43;

    /// <summary>The token as the caller sends it.</summary>
    public override string ToString() => $"{Prefix}{KeyId}_{Secret}";

    /// <summary>A new random key id and secret.</summary>
    public static ApiKeyToken New()
    {
        Span<byte> idBytes = stackalloc byte[IdLength];
        RandomNumberGenerator.Fill(idBytes);
        Span<char> id = stackalloc char[IdLength];
        for (var i = 0; i < IdLength; i++)
        {
            id[i] = IdAlphabet[idBytes[i] & 31];
        }

        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return new ApiKeyToken(new string(id), secret);
    }

    /// <summary>True when <paramref name="value"/> has a key id a row can have (guards table keys built from requests).</summary>
    public static bool IsKeyId(string? value) =>
        value is { Length: IdLength } && value.All(c => IdAlphabet.Contains(c, StringComparison.Ordinal));

    /// <summary>Splits a token; false for anything not shaped like one.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out ApiKeyToken? token)
    {
        token = null;
        if (value is null || value.Length != Prefix.Length + IdLength + 1 + SecretLength || !value.StartsWith(Prefix, StringComparison.Ordinal)
            || value[Prefix.Length + IdLength] != '_')
        {
            return false;
        }

        var id = value.Substring(Prefix.Length, IdLength);
        var secret = value[(Prefix.Length + IdLength + 1)..];
        if (!IsKeyId(id) || !secret.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return false;
        }

        token = new ApiKeyToken(id, secret);
        return true;
    }

    /// <summary>SHA-256 of a secret, hex: what the key's row stores.</summary>
    public static string Hash(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)));
    }

    /// <summary>Whether this token's secret hashes to <paramref name="storedHash"/>, compared in constant time.</summary>
    public bool Matches(string storedHash)
    {
        ArgumentNullException.ThrowIfNull(storedHash);
        var given = System.Text.Encoding.ASCII.GetBytes(Hash(Secret));
        return CryptographicOperations.FixedTimeEquals(given, System.Text.Encoding.ASCII.GetBytes(storedHash));
    }
}
