using SmtpFunctions.Ingress.Accounts;

namespace SmtpFunctions.Ingress.Tests.Accounts;

public sealed class PasswordHashTests
{
    [Fact]
    public void Create_WritesSelfDescribingPbkdf2Form()
    {
        var text = PasswordHash.Create("correct horse", 10_000);

        var parts = text.Split('$');
        Assert.Equal(4, parts.Length);
        Assert.Equal("pbkdf2-sha256", parts[0]);
        Assert.Equal("10000", parts[1]);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
    }

    [Fact]
    public void Create_DefaultsToOwaspIterations()
    {
        Assert.StartsWith("pbkdf2-sha256$600000$", PasswordHash.Create("x"), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_AcceptsOnlyTheHashedPassword()
    {
        Assert.True(PasswordHash.TryParse(PasswordHash.Create("correct horse", 10_000), out var hash, out _));

        Assert.True(hash.Verify("correct horse"));
        Assert.False(hash.Verify("Correct horse"));
        Assert.False(hash.Verify("correct horse "));
        Assert.False(hash.Verify(""));
    }

    [Fact]
    public void Create_SaltsEachHashDifferently()
    {
        Assert.NotEqual(PasswordHash.Create("same", 10_000), PasswordHash.Create("same", 10_000));
    }

    [Fact]
    public void Verify_TreatsComposedAndDecomposedUnicodeAlike()
    {
        var hash = PasswordHash.FromPassword("caf\u00e9", 10_000);

        Assert.True(hash.Verify("cafe\u0301"));
    }

    [Fact]
    public void TryParse_ReadsSha512Hashes()
    {
        var salt = new byte[16];
        var derived = System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2("pw"u8.ToArray(), salt, 20_000, System.Security.Cryptography.HashAlgorithmName.SHA512, 64);
        var text = $"pbkdf2-sha512$20000${Convert.ToBase64String(salt)}${Convert.ToBase64String(derived)}";

        Assert.True(PasswordHash.TryParse(text, out var hash, out _));
        Assert.True(hash.Verify("pw"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("secret")]
    [InlineData("md5$1$abc$def")]
    [InlineData("pbkdf2-sha256$100$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$600000$not base64$AAAA")]
    [InlineData("pbkdf2-sha256$600000$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    public void TryParse_RejectsWhatIsNotAHash(string text)
    {
        Assert.False(PasswordHash.TryParse(text, out _, out var problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }
}
