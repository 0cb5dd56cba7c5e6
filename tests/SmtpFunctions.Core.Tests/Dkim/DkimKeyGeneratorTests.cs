using System.Security.Cryptography;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using SmtpFunctions.Core.Dkim;

namespace SmtpFunctions.Core.Tests.Dkim;

public class DkimKeyGeneratorTests
{
    [Fact]
    public void Generate_Rsa_Gives2048BitPkcs8KeyAndSpkiInTheRecord()
    {
        var pair = TestKeys.Rsa;

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pair.PrivateKeyPem, StringComparison.Ordinal);
        Assert.True(DkimPrivateKeyReader.TryRead(pair.PrivateKeyPem, out var key, out _));
        Assert.Equal(2048, key!.Bits);
        using var published = RSA.Create();
        published.ImportSubjectPublicKeyInfo(Convert.FromBase64String(pair.PublicKey), out _);
        Assert.Equal(((RsaPrivateCrtKeyParameters)key.Parameters).Modulus.ToByteArrayUnsigned(), published.ExportParameters(false).Modulus);
        Assert.Equal($"v=DKIM1; k=rsa; p={pair.PublicKey}", pair.TxtValue);
        Assert.Equal("rsa1._domainkey.example.com", pair.RecordName);
    }

    [Fact]
    public void Generate_Ed25519_PublishesTheRaw32ByteKey()
    {
        var pair = TestKeys.Ed25519;

        Assert.True(DkimPrivateKeyReader.TryRead(pair.PrivateKeyPem, out var key, out _));
        Assert.Equal(DkimSignatureAlgorithm.Ed25519Sha256, key!.Algorithm);
        var raw = Convert.FromBase64String(pair.PublicKey);
        Assert.Equal(32, raw.Length);
        Assert.Equal(((Ed25519PrivateKeyParameters)key.Parameters).GeneratePublicKey().GetEncoded(), raw);
        Assert.Equal($"v=DKIM1; k=ed25519; p={pair.PublicKey}", pair.TxtValue);
    }

    [Fact]
    public void Generate_TwiceWithSameNames_GivesDifferentKeys()
    {
        var first = DkimKeyGenerator.Generate("example.com", "s", DkimSignatureAlgorithm.Ed25519Sha256);
        var second = DkimKeyGenerator.Generate("example.com", "s", DkimSignatureAlgorithm.Ed25519Sha256);

        Assert.NotEqual(first.PublicKey, second.PublicKey);
    }

    [Fact]
    public void TxtStrings_RsaRecord_SplitInto255CharacterStringsThatJoinBack()
    {
        var strings = TestKeys.Rsa.TxtStrings;

        Assert.True(strings.Count >= 2);
        Assert.All(strings, s => Assert.InRange(s.Length, 1, 255));
        Assert.Equal(255, strings[0].Length);
        Assert.Equal(TestKeys.Rsa.TxtValue, string.Concat(strings));
    }

    [Fact]
    public void ZoneFileLine_QuotesEachString()
    {
        var line = TestKeys.Rsa.ZoneFileLine;

        Assert.StartsWith("rsa1._domainkey.example.com. IN TXT ( \"v=DKIM1; k=rsa; p=", line, StringComparison.Ordinal);
        Assert.EndsWith("\" )", line, StringComparison.Ordinal);
        Assert.Equal(TestKeys.Rsa.TxtStrings.Count * 2, line.Count(c => c == '"'));
    }

    [Fact]
    public void Generate_IdnDomainAndUpperCaseSelector_AreNormalised()
    {
        var pair = DkimKeyGenerator.Generate("Bücher.Example", "Sel1", DkimSignatureAlgorithm.Ed25519Sha256);

        Assert.Equal("sel1._domainkey.xn--bcher-kva.example", pair.RecordName);
    }

    [Theory]
    [InlineData("localhost", "s")]
    [InlineData("example.com", "bad_selector")]
    [InlineData("", "s")]
    public void Generate_BadNames_Throw(string domain, string selector)
    {
        Assert.Throws<ArgumentException>(() => DkimKeyGenerator.Generate(domain, selector, DkimSignatureAlgorithm.RsaSha256));
    }

    [Fact]
    public void Generate_RsaSha1_IsNotOffered()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DkimKeyGenerator.Generate("example.com", "s", DkimSignatureAlgorithm.RsaSha1));
    }
}
