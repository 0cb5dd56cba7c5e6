using MimeKit.Cryptography;

namespace SmtpFunctions.Core.Dkim;

/// <summary>The two signing algorithms we use, by their <c>a=</c> tag and <c>k=</c> key type.</summary>
/// <remarks>rsa-sha256 (RFC 6376 §3.3, rsa-sha1 is not offered: RFC 8301 §3.1) and ed25519-sha256 (RFC 8463 §3).</remarks>
public static class DkimAlgorithms
{
    /// <summary>Parses <c>rsa-sha256</c>/<c>rsa</c> or <c>ed25519-sha256</c>/<c>ed25519</c> (any case); null otherwise.</summary>
    public static DkimSignatureAlgorithm? Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "rsa-sha256" or "rsa" => DkimSignatureAlgorithm.RsaSha256,
        "ed25519-sha256" or "ed25519" => DkimSignatureAlgorithm.Ed25519Sha256,
        _ => null,
    };

    /// <summary>The <c>a=</c> tag value.</summary>
    public static string Tag(DkimSignatureAlgorithm algorithm) => algorithm switch
    {
        DkimSignatureAlgorithm.RsaSha256 => "rsa-sha256",
        DkimSignatureAlgorithm.Ed25519Sha256 => "ed25519-sha256",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Only rsa-sha256 and ed25519-sha256 are used."),
    };

    /// <summary>The <c>k=</c> key type of the DNS record.</summary>
    public static string KeyType(DkimSignatureAlgorithm algorithm) => algorithm switch
    {
        DkimSignatureAlgorithm.RsaSha256 => "rsa",
        DkimSignatureAlgorithm.Ed25519Sha256 => "ed25519",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Only rsa-sha256 and ed25519-sha256 are used."),
    };
}
