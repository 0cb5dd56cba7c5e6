using MimeKit.Cryptography;

namespace SmtpFunctions.Core.Dkim;

/// <summary>A freshly generated key: the private key to configure and the DNS TXT record to publish.</summary>
/// <param name="Domain">Signing domain (A-labels).</param>
/// <param name="Selector">Selector.</param>
/// <param name="Algorithm">rsa-sha256 or ed25519-sha256.</param>
/// <param name="PrivateKeyPem">The private key, PKCS#8 PEM.</param>
/// <param name="PublicKey">The <c>p=</c> value: base64 SubjectPublicKeyInfo for RSA, the raw 32-byte key for Ed25519.</param>
public sealed record DkimKeyPair(string Domain, string Selector, DkimSignatureAlgorithm Algorithm, string PrivateKeyPem, string PublicKey)
{
    /// <summary>Longest character-string in a TXT record (RFC 1035 §3.3.14).</summary>
    public const int MaxTxtStringLength = 255;

    /// <summary>Where the record goes: <c>{selector}._domainkey.{domain}</c>.</summary>
    public string RecordName => DkimNames.RecordName(Selector, Domain);

    /// <summary>The whole record text, <c>v=DKIM1; k=rsa; p=…</c> (RFC 6376 §3.6.1, RFC 8463 §4.2).</summary>
    public string TxtValue => $"v=DKIM1; k={DkimAlgorithms.KeyType(Algorithm)}; p={PublicKey}";

    /// <summary>The record text cut into character-strings of at most 255 octets; a verifier joins them back (RFC 6376 §3.6.2.2).</summary>
    public IReadOnlyList<string> TxtStrings => TxtValue.Chunk(MaxTxtStringLength).Select(c => new string(c)).ToList();

    /// <summary>The record in zone-file syntax, one quoted string per chunk.</summary>
    public string ZoneFileLine =>
        $"{RecordName}. IN TXT ( {string.Join(" ", TxtStrings.Select(s => $"\"{s}\""))} )";
}
