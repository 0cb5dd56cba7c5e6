using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using SmtpFunctions.Core.Dkim;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Tests.Dkim;

public class DkimOptionsValidatorTests
{
    [Fact]
    public void Validate_NoKeys_Succeeds()
    {
        Assert.True(new DkimOptionsValidator().Validate(null, new DkimOptions()).Succeeded);
    }

    [Fact]
    public void Validate_RsaAndEd25519KeysOfOneDomain_Succeeds()
    {
        var options = Options(Key(TestKeys.Rsa.PrivateKeyPem, "sel1"), Key(TestKeys.Ed25519.PrivateKeyPem, "sel2", "ed25519-sha256"));

        var result = new DkimOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("", "Dkim:Keys:0:Domain")]
    [InlineData("localhost", "Dkim:Keys:0:Domain")]
    [InlineData("exa mple.com", "Dkim:Keys:0:Domain")]
    [InlineData("-bad.example.com", "Dkim:Keys:0:Domain")]
    public void Validate_BadDomain_NamesTheSetting(string domain, string expected)
    {
        var key = Key(TestKeys.Rsa.PrivateKeyPem, "sel1");
        key.Domain = domain;

        Assert.Contains(expected, Failure(Options(key)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sel_1")]
    [InlineData("sel 1")]
    [InlineData("-sel")]
    [InlineData("a..b")]
    public void Validate_BadSelector_NamesTheSetting(string selector)
    {
        Assert.Contains("Dkim:Keys:0:Selector", Failure(Options(Key(TestKeys.Rsa.PrivateKeyPem, selector))), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DottedSelectorAndIdnDomain_AreAccepted()
    {
        var key = Key(TestKeys.Rsa.PrivateKeyPem, "2025-01.rsa");
        key.Domain = "bücher.example";

        Assert.True(DkimKeyLoader.TryLoad(key, "k", out var loaded, out var problems), string.Join("; ", problems));
        Assert.Equal("xn--bcher-kva.example", loaded!.Domain);
        Assert.Equal("d=xn--bcher-kva.example s=2025-01.rsa a=rsa-sha256", loaded.Description);
    }

    [Fact]
    public void Validate_AlgorithmNotMatchingKey_SaysSo()
    {
        var failure = Failure(Options(Key(TestKeys.Ed25519.PrivateKeyPem, "sel1", "rsa-sha256")));

        Assert.Contains("Algorithm is rsa-sha256 but the key is for ed25519-sha256", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownAlgorithm_SaysSo()
    {
        Assert.Contains("'rsa-sha1' is not rsa-sha256 or ed25519-sha256", Failure(Options(Key(TestKeys.Rsa.PrivateKeyPem, "s", "rsa-sha1"))), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NeitherOrBothKeySources_SaysSetExactlyOne()
    {
        var neither = Key("", "s");
        var both = Key(TestKeys.Rsa.PrivateKeyPem, "t");
        both.PrivateKeyPath = "/tmp/x.pem";

        var failure = Failure(Options(neither, both));

        Assert.Contains("Dkim:Keys:0: set exactly one of PrivateKey and PrivateKeyPath", failure, StringComparison.Ordinal);
        Assert.Contains("Dkim:Keys:1: set exactly one of PrivateKey and PrivateKeyPath", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_KeyFromFile_LoadsIt_AndMissingFileIsNamed()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dkim-test-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, TestKeys.Ed25519.PrivateKeyPem);
        try
        {
            var fromFile = new DkimKeyOptions { Domain = "example.com", Selector = "f", PrivateKeyPath = path };
            var missing = new DkimKeyOptions { Domain = "example.com", Selector = "g", PrivateKeyPath = path + ".missing" };

            Assert.True(DkimKeyLoader.TryLoad(fromFile, "k", out var key, out _));
            Assert.Equal(DkimSignatureAlgorithm.Ed25519Sha256, key!.Algorithm);
            Assert.Contains("Dkim:Keys:1:PrivateKeyPath", Failure(Options(fromFile, missing)), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Validate_UnreadableKey_NamesTheSettingWithoutEchoingTheKey()
    {
        var failure = Failure(Options(Key("c2VjcmV0LXRoYXQtaXMtbm90LWEta2V5", "s")));

        Assert.Contains("Dkim:Keys:0:PrivateKey", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RsaKeyUnder1024Bits_IsRefused_1024IsAccepted()
    {
        Assert.Contains("512-bit RSA key", Failure(Options(Key(RsaPem(512), "s"))), StringComparison.Ordinal);
        Assert.True(new DkimOptionsValidator().Validate(null, Options(Key(RsaPem(1024), "s"))).Succeeded);
    }

    [Fact]
    public void Validate_SameSelectorTwice_IsRefused()
    {
        var failure = Failure(Options(Key(TestKeys.Rsa.PrivateKeyPem, "sel1"), Key(TestKeys.Ed25519.PrivateKeyPem, "SEL1")));

        Assert.Contains("Dkim:Keys:1: selector 'sel1' of 'example.com' is configured twice", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void AddDkim_BindsKeysFromConfiguration_AndSignerUsesThem()
    {
        using var provider = Provider(new Dictionary<string, string?>
        {
            ["Dkim:Keys:0:Domain"] = "Example.COM",
            ["Dkim:Keys:0:Selector"] = "sel1",
            ["Dkim:Keys:0:PrivateKey"] = TestKeys.Rsa.PrivateKeyPem,
            ["Dkim:Keys:1:Domain"] = "example.com",
            ["Dkim:Keys:1:Selector"] = "sel2",
            ["Dkim:Keys:1:Algorithm"] = "ed25519",
            ["Dkim:Keys:1:PrivateKey"] = TestKeys.Ed25519.PrivateKeyPem,
        });

        var signer = provider.GetRequiredService<DkimMessageSigner>();

        Assert.Equal(["d=example.com s=sel2 a=ed25519-sha256", "d=example.com s=sel1 a=rsa-sha256"], signer.KeysFor("example.com").Select(k => k.Description));
    }

    [Fact]
    public void AddDkim_BadKeyInConfiguration_FailsWhenOptionsAreResolved()
    {
        using var provider = Provider(new Dictionary<string, string?>
        {
            ["Dkim:Keys:0:Domain"] = "example.com",
            ["Dkim:Keys:0:Selector"] = "sel1",
            ["Dkim:Keys:0:PrivateKey"] = "not a key",
        });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DkimOptions>>().Value);
        Assert.Contains("Dkim:Keys:0:PrivateKey", ex.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        services.AddDkim(configuration);
        return services.BuildServiceProvider();
    }

    private static DkimKeyOptions Key(string pem, string selector, string algorithm = "") =>
        new() { Domain = "example.com", Selector = selector, Algorithm = algorithm, PrivateKey = pem };

    private static DkimOptions Options(params DkimKeyOptions[] keys)
    {
        var options = new DkimOptions();
        foreach (var key in keys)
        {
            options.Keys.Add(key);
        }

        return options;
    }

    private static string Failure(DkimOptions options)
    {
        var result = new DkimOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        return result.FailureMessage;
    }

    // .NET refuses to make RSA keys this small; BouncyCastle will, which is what an old configured key looks like.
    private static string RsaPem(int bits)
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new RsaKeyGenerationParameters(Org.BouncyCastle.Math.BigInteger.ValueOf(65537), new SecureRandom(), bits, 25));
        var pair = generator.GenerateKeyPair();
        var der = PrivateKeyInfoFactory.CreatePrivateKeyInfo((RsaPrivateCrtKeyParameters)pair.Private).GetDerEncoded();
        return PemEncoding.WriteString("PRIVATE KEY", der);
    }
}
