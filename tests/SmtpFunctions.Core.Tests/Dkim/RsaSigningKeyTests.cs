using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using SmtpFunctions.Core.Dkim;

namespace SmtpFunctions.Core.Tests.Dkim;

public class RsaSigningKeyTests
{
    [Fact]
    public void SignHash_GivesTheSignatureBouncyCastleGives()
    {
        var key = Key();
        var data = "dkim-signature:v=1; a=rsa-sha256; b="u8.ToArray();
        using var signing = new RsaSigningKey(key);

        var ours = signing.SignHash(SHA256.HashData(data));

        // PKCS#1 v1.5 is deterministic: the platform's and BouncyCastle's signatures must be the same octets.
        var reference = new RsaDigestSigner(new Sha256Digest());
        reference.Init(true, key);
        reference.BlockUpdate(data, 0, data.Length);
        Assert.Equal(reference.GenerateSignature(), ours);
    }

    [Fact]
    public void SignHash_ConcurrentCallers_AllGetValidSignatures()
    {
        var key = Key();
        using var signing = new RsaSigningKey(key);
        using var verifier = RSA.Create();
        verifier.ImportSubjectPublicKeyInfo(Convert.FromBase64String(TestKeys.Rsa.PublicKey), out _);
        var hashes = Enumerable.Range(0, 64).Select(i => SHA256.HashData(BitConverter.GetBytes(i))).ToArray();

        var signatures = new byte[hashes.Length][];
        Parallel.For(0, hashes.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => signatures[i] = signing.SignHash(hashes[i]));

        for (var i = 0; i < hashes.Length; i++)
        {
            Assert.True(verifier.VerifyHash(hashes[i], signatures[i], HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), $"signature {i}");
        }
    }

    [Fact]
    public void Pad_ShortValue_IsLeftPaddedToTheLength()
    {
        Assert.Equal(new byte[] { 0, 0, 1, 2 }, RsaSigningKey.Pad([1, 2], 32));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, RsaSigningKey.Pad([1, 2, 3, 4], 32));
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4 }, RsaSigningKey.Pad([1, 2, 3, 4], 33));
    }

    private static RsaPrivateCrtKeyParameters Key()
    {
        Assert.True(DkimPrivateKeyReader.TryRead(TestKeys.Rsa.PrivateKeyPem, out var key, out _));
        return (RsaPrivateCrtKeyParameters)key!.Parameters;
    }
}
