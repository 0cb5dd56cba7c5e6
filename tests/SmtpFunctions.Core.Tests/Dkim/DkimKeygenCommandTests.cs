using SmtpFunctions.Core.Dkim;

namespace SmtpFunctions.Core.Tests.Dkim;

public class DkimKeygenCommandTests
{
    [Fact]
    public void Run_Ed25519_PrintsRecordSettingsAndAUsablePrivateKey()
    {
        using var output = new StringWriter();

        var exit = DkimKeygenCommand.Run(["--domain", "example.com", "--selector", "sel2", "--algorithm", "ed25519"], output);

        var text = output.ToString();
        Assert.Equal(0, exit);
        Assert.Contains("sel2._domainkey.example.com. IN TXT ( \"v=DKIM1; k=ed25519; p=", text, StringComparison.Ordinal);
        Assert.Contains("; value: v=DKIM1; k=ed25519; p=", text, StringComparison.Ordinal);
        Assert.Contains("Dkim__Keys__N__Domain=example.com", text, StringComparison.Ordinal);
        Assert.Contains("Dkim__Keys__N__Selector=sel2", text, StringComparison.Ordinal);
        Assert.Contains("Dkim__Keys__N__Algorithm=ed25519-sha256", text, StringComparison.Ordinal);
        var pem = text[text.IndexOf("-----BEGIN PRIVATE KEY-----", StringComparison.Ordinal)..];
        Assert.True(DkimPrivateKeyReader.TryRead(pem, out var key, out var problem), problem);
        var published = text.Split('\n').Single(l => l.StartsWith("; value: ", StringComparison.Ordinal))["; value: v=DKIM1; k=ed25519; p=".Length..].Trim();
        var derived = ((Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters)key!.Parameters).GeneratePublicKey().GetEncoded();
        Assert.Equal(Convert.ToBase64String(derived), published);
    }

    [Fact]
    public void Run_DefaultAlgorithm_IsRsa2048()
    {
        using var output = new StringWriter();

        Assert.Equal(0, DkimKeygenCommand.Run(["--selector", "s1", "--domain", "example.org"], output));

        var text = output.ToString();
        Assert.Contains("k=rsa; p=MIIBIjAN", text, StringComparison.Ordinal);
        Assert.Contains("Dkim__Keys__N__Algorithm=rsa-sha256", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--selector", "s" }, "--domain is required")]
    [InlineData(new[] { "--domain", "example.com" }, "--selector is required")]
    [InlineData(new[] { "--domain", "example.com", "--selector", "s", "--algorithm", "dsa" }, "'dsa' is not an algorithm")]
    [InlineData(new[] { "--domain", "localhost", "--selector", "s" }, "'localhost' is not a fully qualified domain name")]
    [InlineData(new[] { "--domain", "example.com", "--selector", "a_b" }, "'a_b' is not a valid selector")]
    [InlineData(new[] { "--domain" }, "--domain needs a value")]
    [InlineData(new[] { "--bogus" }, "unknown argument '--bogus'")]
    public void Run_BadArguments_ExitsWithUsageErrorAndSaysWhy(string[] args, string expected)
    {
        using var output = new StringWriter();

        var exit = DkimKeygenCommand.Run(args, output);

        Assert.Equal(DkimKeygenCommand.UsageError, exit);
        Assert.Contains(expected, output.ToString(), StringComparison.Ordinal);
        Assert.Contains("usage: dkim-keygen", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY-----", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Help_PrintsUsageAndSucceeds()
    {
        using var output = new StringWriter();

        Assert.Equal(0, DkimKeygenCommand.Run(["--help"], output));
        Assert.Contains("usage: dkim-keygen", output.ToString(), StringComparison.Ordinal);
    }
}
