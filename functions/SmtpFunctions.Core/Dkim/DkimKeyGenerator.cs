using System.Security.Cryptography;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace SmtpFunctions.Core.Dkim;

/// <summary>Generates DKIM key pairs: RSA 2048 (.NET) or Ed25519 (BouncyCastle), with the TXT record to publish.</summary>
/// <remarks>
/// The RSA <c>p=</c> is the DER SubjectPublicKeyInfo every verifier reads (RFC 6376 §3.6.1); the Ed25519 <c>p=</c> is the bare
/// 32-byte public key, not wrapped in ASN.1 (RFC 8463 §4.2). Private keys are PKCS#8, which <see cref="DkimPrivateKeyReader"/> reads.
/// </remarks>
public static class DkimKeyGenerator
{
    /// <summary>RSA modulus size generated (RFC 8301 §3.2 recommends at least 2048).</summary>
    public const int RsaBits = 2048;

    /// <summary>Generates a key pair for <paramref name="domain"/> and <paramref name="selector"/>.</summary>
    public static DkimKeyPair Generate(string domain, string selector, DkimSignatureAlgorithm algorithm)
    {
        var normalized = DkimNames.NormalizeDomain(domain) ?? throw new ArgumentException($"'{domain}' is not a fully qualified domain name.", nameof(domain));
        if (!DkimNames.IsValidSelector(selector))
        {
            throw new ArgumentException($"'{selector}' is not a valid selector (letters, digits and hyphens, labels separated by dots).", nameof(selector));
        }

        var (privateKeyPem, publicKey) = algorithm switch
        {
            DkimSignatureAlgorithm.RsaSha256 => GenerateRsa(),
            DkimSignatureAlgorithm.Ed25519Sha256 => GenerateEd25519(),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Only rsa-sha256 and ed25519-sha256 keys are generated."),
        };
        return new DkimKeyPair(normalized, selector.ToLowerInvariant(), algorithm, privateKeyPem, publicKey);
    }

    private static (string PrivateKeyPem, string PublicKey) GenerateRsa()
    {
        using var rsa = RSA.Create(RsaBits);
        return (rsa.ExportPkcs8PrivateKeyPem(), Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));
    }

    private static (string PrivateKeyPem, string PublicKey) GenerateEd25519()
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private).GetDerEncoded();
        var publicKey = ((Ed25519PublicKeyParameters)pair.Public).GetEncoded();
        return (PemEncoding.WriteString("PRIVATE KEY", pkcs8), Convert.ToBase64String(publicKey));
    }
}
