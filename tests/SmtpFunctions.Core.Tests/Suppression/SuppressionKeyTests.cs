using System.Text;
using SmtpFunctions.Core.Suppression;

namespace SmtpFunctions.Core.Tests.Suppression;

public sealed class SuppressionKeyTests
{
    [Theory]
    [InlineData("User@Example.NET", "user@example.net", "example.net")]
    [InlineData("jörg@bücher.example", "jörg@xn--bcher-kva.example", "xn--bcher-kva.example")]
    [InlineData("JÖRG@BÜCHER.EXAMPLE", "jörg@xn--bcher-kva.example", "xn--bcher-kva.example")]
    [InlineData("a+tag@example.net", "a+tag@example.net", "example.net")]
    [InlineData("a/b%c@example.net", "a/b%c@example.net", "example.net")]
    [InlineData("\"john doe\"@example.net", "\"john doe\"@example.net", "example.net")]
    public void TryParse_NormalisesToTheEnvelopeForm_CaseFolded(string input, string address, string domain)
    {
        Assert.True(SuppressionKey.TryParse(input, out var key, out var problem), problem);

        Assert.Equal(address, key!.Address);
        Assert.Equal(domain, key.Domain);
        Assert.Equal(key, SuppressionKey.ForEnvelope(key.Address));
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-at-sign")]
    [InlineData("Name <a@example.net>")]
    [InlineData(" a@example.net")]
    [InlineData("a@example.net, b@example.net")]
    [InlineData("a@localhost")]
    [InlineData("a@[192.0.2.1]")]
    public void TryParse_RefusesWhatIsNotOneBareAddress(string input)
    {
        Assert.False(SuppressionKey.TryParse(input, out _, out var problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void RowKey_HasNoCharacterTheTableForbids()
    {
        var key = SuppressionKey.ForEnvelope("a/b\\c#d?e%f@example.net");

        Assert.DoesNotContain(key.RowKey, c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
        Assert.Equal("a/b\\c#d?e%f@example.net", Uri.UnescapeDataString(key.RowKey));
    }

    [Theory]
    [InlineData("Example.NET", "example.net")]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    public void TryParseDomain_GivesTheLowerCaseALabel(string input, string expected)
    {
        Assert.True(SuppressionKey.TryParseDomain(input, out var domain));
        Assert.Equal(expected, domain);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a@example.net")]
    [InlineData("not a domain")]
    public void TryParseDomain_RefusesNonDomains(string input) => Assert.False(SuppressionKey.TryParseDomain(input, out _));

    [Fact]
    public void ContinuationToken_OnlyWhatTheApiHandsOut()
    {
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes("example.net a%40example.net")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        Assert.True(SuppressionStore.IsContinuationToken(token));
        Assert.False(SuppressionStore.IsContinuationToken("not base64!"));
        Assert.False(SuppressionStore.IsContinuationToken(Convert.ToBase64String(Encoding.UTF8.GetBytes("nospace"))));
        Assert.False(SuppressionStore.IsContinuationToken(Convert.ToBase64String([0xff, 0xfe, 0x20, 0x41])));
        Assert.False(SuppressionStore.IsContinuationToken(""));
    }
}
