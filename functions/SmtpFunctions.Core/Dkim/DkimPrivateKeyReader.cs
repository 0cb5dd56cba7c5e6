using System.Security.Cryptography;
using MimeKit.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace SmtpFunctions.Core.Dkim;

/// <summary>Reads a DKIM private key from configuration text: PEM, bare base64 DER, or a bare base64 Ed25519 seed.</summary>
/// <remarks>
/// RSA keys come as PKCS#8 or PKCS#1, Ed25519 keys as PKCS#8 (RFC 8410) or the raw 32-byte seed that dkimpy and OpenDKIM write
/// (RFC 8463 §3). Key Vault references and one-line app settings often carry PEM with spaces or literal <c>\n</c> for line
/// breaks, so both are accepted.
/// </remarks>
public static class DkimPrivateKeyReader
{
    private const int Ed25519SeedLength = 32;

    /// <summary>Reads a key or says, without echoing any key material, what is wrong with it.</summary>
    public static bool TryRead(string? text, out DkimPrivateKey? key, out string? problem)
    {
        key = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "is empty";
            return false;
        }

        // An app setting holding PEM on one line: "-----BEGIN PRIVATE KEY-----\nMII...\n-----END PRIVATE KEY-----".
        var normalized = text.Replace("\\r", "", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal).Trim();
        AsymmetricKeyParameter? parameters;
        if (normalized.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            if (!TryReadPem(normalized, out parameters, out problem))
            {
                return false;
            }
        }
        else if (!TryReadBareBase64(normalized, out parameters, out problem))
        {
            return false;
        }

        switch (parameters)
        {
            case RsaPrivateCrtKeyParameters rsa:
                key = new DkimPrivateKey(rsa, DkimSignatureAlgorithm.RsaSha256, rsa.Modulus.BitLength);
                break;
            case Ed25519PrivateKeyParameters ed25519:
                key = new DkimPrivateKey(ed25519, DkimSignatureAlgorithm.Ed25519Sha256, 256);
                break;
            default:
                problem = $"is a {parameters!.GetType().Name.Replace("Parameters", "", StringComparison.Ordinal)}; DKIM signs with RSA or Ed25519 keys only";
                return false;
        }

        problem = null;
        return true;
    }

    private static bool TryReadPem(string text, out AsymmetricKeyParameter? parameters, out string? problem)
    {
        parameters = null;
        if (!PemEncoding.TryFind(text, out var fields))
        {
            problem = "looks like PEM but has no well-formed BEGIN/END block";
            return false;
        }

        var label = text[fields.Label];
        var der = Convert.FromBase64String(text[fields.Base64Data]);
        switch (label)
        {
            case "PRIVATE KEY":
                return TryReadPkcs8(der, out parameters, out problem);
            case "RSA PRIVATE KEY":
                return TryReadPkcs1(der, out parameters, out problem);
            case "ENCRYPTED PRIVATE KEY":
                problem = "is encrypted; store the key unencrypted (PKCS#8) in Key Vault or a protected file";
                return false;
            default:
                problem = $"is PEM '{label}'; expected 'PRIVATE KEY' (PKCS#8) or 'RSA PRIVATE KEY' (PKCS#1)";
                return false;
        }
    }

    private static bool TryReadBareBase64(string text, out AsymmetricKeyParameter? parameters, out string? problem)
    {
        parameters = null;
        byte[] der;
        try
        {
            der = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            problem = "is neither PEM nor base64";
            return false;
        }

        if (der.Length == Ed25519SeedLength)
        {
            parameters = new Ed25519PrivateKeyParameters(der);
            problem = null;
            return true;
        }

        if (TryReadPkcs8(der, out parameters, out problem) || TryReadPkcs1(der, out parameters, out _))
        {
            problem = null;
            return true;
        }

        problem = "is base64 but neither a PKCS#8 nor a PKCS#1 private key, nor a 32-byte Ed25519 seed";
        return false;
    }

    private static bool TryReadPkcs8(byte[] der, out AsymmetricKeyParameter? parameters, out string? problem)
    {
        try
        {
            parameters = PrivateKeyFactory.CreateKey(der);
            problem = null;
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidCastException or IOException or SecurityUtilityException or Asn1Exception)
        {
            parameters = null;
            problem = "is not a readable PKCS#8 private key";
            return false;
        }
    }

    private static bool TryReadPkcs1(byte[] der, out AsymmetricKeyParameter? parameters, out string? problem)
    {
        try
        {
            var rsa = RsaPrivateKeyStructure.GetInstance(Asn1Object.FromByteArray(der));
            parameters = new RsaPrivateCrtKeyParameters(
                rsa.Modulus, rsa.PublicExponent, rsa.PrivateExponent, rsa.Prime1, rsa.Prime2, rsa.Exponent1, rsa.Exponent2, rsa.Coefficient);
            problem = null;
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidCastException or IOException or Asn1Exception)
        {
            parameters = null;
            problem = "is not a readable PKCS#1 RSA private key";
            return false;
        }
    }
}
