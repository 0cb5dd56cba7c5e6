using System.Security.Cryptography;

namespace SmtpFunctions.Core.Domains;

/// <summary>Names of the secrets holding registered domains' DKIM private keys.</summary>
/// <remarks>
/// Key Vault allows letters, digits and hyphens, up to 127 characters; a domain's dots cannot be mapped to hyphens
/// without collisions (<c>a-b.example</c>, <c>a.b-example</c>). Each key gets a fresh random name instead, recorded in
/// its domain row: two registrations racing for one domain never write the same secret, and the loser deletes its own.
/// </remarks>
public static class SecretNames
{
    /// <summary>A new secret name for a key with <paramref name="selector"/>.</summary>
    public static string NewDkimKey(string selector) =>
        "dkim-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "-" + selector.Replace('.', '-');

    /// <summary>True for a name this class could have made (letters, digits, hyphens; 1–127 characters).</summary>
    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= 127 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
