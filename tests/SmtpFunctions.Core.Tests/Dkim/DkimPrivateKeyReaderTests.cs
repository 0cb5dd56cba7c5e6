using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using SmtpFunctions.Core.Dkim;

namespace SmtpFunctions.Core.Tests.Dkim;

public class DkimPrivateKeyReaderTests
{
    [Fact]
    public void TryRead_RsaPkcs8Pem_ReadsRsaSha256Key()
    {
        using var rsa = RSA.Create(2048);

        var key = Read(rsa.ExportPkcs8PrivateKeyPem());

        Assert.Equal(DkimSignatureAlgorithm.RsaSha256, key.Algorithm);
        Assert.Equal(2048, key.Bits);
        AssertSameModulus(rsa, key);
    }

    [Fact]
    public void TryRead_RsaPkcs1Pem_ReadsRsaSha256Key()
    {
        using var rsa = RSA.Create(2048);

        var key = Read(rsa.ExportRSAPrivateKeyPem());

        Assert.Equal(DkimSignatureAlgorithm.RsaSha256, key.Algorithm);
        AssertSameModulus(rsa, key);
    }

    [Fact]
    public void TryRead_Ed25519Pkcs8Pem_ReadsEd25519Key()
    {
        var key = Read(TestKeys.Ed25519.PrivateKeyPem);

        Assert.Equal(DkimSignatureAlgorithm.Ed25519Sha256, key.Algorithm);
        var publicKey = ((Ed25519PrivateKeyParameters)key.Parameters).GeneratePublicKey().GetEncoded();
        Assert.Equal(TestKeys.Ed25519.PublicKey, Convert.ToBase64String(publicKey));
    }

    [Fact]
    public void TryRead_Ed25519RawSeedBase64_ReadsEd25519Key()
    {
        var seed = ((Ed25519PrivateKeyParameters)Read(TestKeys.Ed25519.PrivateKeyPem).Parameters).GetEncoded();

        var key = Read(Convert.ToBase64String(seed));

        Assert.Equal(DkimSignatureAlgorithm.Ed25519Sha256, key.Algorithm);
        Assert.Equal(seed, ((Ed25519PrivateKeyParameters)key.Parameters).GetEncoded());
    }

    [Fact]
    public void TryRead_BareBase64Pkcs8AndPkcs1Der_ReadsRsaKey()
    {
        using var rsa = RSA.Create(2048);

        AssertSameModulus(rsa, Read(Convert.ToBase64String(rsa.ExportPkcs8PrivateKey())));
        AssertSameModulus(rsa, Read(Convert.ToBase64String(rsa.ExportRSAPrivateKey())));
    }

    [Fact]
    public void TryRead_PemWithEscapedNewlines_AsInAOneLineAppSetting_ReadsKey()
    {
        var oneLine = TestKeys.Rsa.PrivateKeyPem.Replace("\n", "\\n", StringComparison.Ordinal);

        Assert.Equal(DkimSignatureAlgorithm.RsaSha256, Read(oneLine).Algorithm);
    }

    [Fact]
    public void TryRead_PemWithCrLfAndSurroundingSpace_ReadsKey()
    {
        var pem = "  \r\n" + TestKeys.Ed25519.PrivateKeyPem.Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n  ";

        Assert.Equal(DkimSignatureAlgorithm.Ed25519Sha256, Read(pem).Algorithm);
    }

    [Fact]
    public void TryRead_EncryptedPkcs8_SaysItIsEncrypted()
    {
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportEncryptedPkcs8PrivateKeyPem("secret", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000));

        Assert.Contains("encrypted", Problem(pem), StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_PublicKeyOrCertificatePem_IsRefusedByLabel()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));

        Assert.Contains("'PUBLIC KEY'", Problem(rsa.ExportSubjectPublicKeyInfoPem()), StringComparison.Ordinal);
        Assert.Contains("'CERTIFICATE'", Problem(certificate.ExportCertificatePem()), StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_EcKey_IsRefusedAsNotRsaOrEd25519()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.Contains("RSA or Ed25519", Problem(ec.ExportPkcs8PrivateKeyPem()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not a key at all!")]
    [InlineData("aGVsbG8gd29ybGQ=")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----")]
    public void TryRead_Garbage_IsAProblemWithoutAKey(string text)
    {
        Assert.False(DkimPrivateKeyReader.TryRead(text, out var key, out var problem));
        Assert.Null(key);
        Assert.False(string.IsNullOrEmpty(problem));
    }

    private static DkimPrivateKey Read(string text)
    {
        Assert.True(DkimPrivateKeyReader.TryRead(text, out var key, out var problem), problem);
        return key!;
    }

    private static string Problem(string text)
    {
        Assert.False(DkimPrivateKeyReader.TryRead(text, out _, out var problem));
        return problem!;
    }

    private static void AssertSameModulus(RSA rsa, DkimPrivateKey key)
    {
        var expected = new Org.BouncyCastle.Math.BigInteger(1, rsa.ExportParameters(false).Modulus);
        Assert.Equal(expected, ((RsaPrivateCrtKeyParameters)key.Parameters).Modulus);
    }
}
