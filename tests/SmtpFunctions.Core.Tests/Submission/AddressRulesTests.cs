using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Core.Tests.Submission;

public class AddressRulesTests
{
    [Theory]
    [InlineData("a@example.com", "a@example.com")]
    [InlineData("Alice Example <Alice@EXAMPLE.com>", "Alice@example.com")]
    [InlineData("\"john doe\"@example.com", "\"john doe\"@example.com")]
    [InlineData("user+tag@sub.example.co.uk", "user+tag@sub.example.co.uk")]
    [InlineData("a@bücher.example", "a@xn--bcher-kva.example")]
    public void ToEnvelope_GivesWireForm(string input, string expected)
    {
        Assert.True(AddressRules.TryParseMailbox(input, out var mailbox, out var problem), problem);
        Assert.Equal(expected, AddressRules.ToEnvelope(mailbox!).Address);
    }

    [Theory]
    [InlineData("")]
    [InlineData("plainaddress")]
    [InlineData("@example.com")]
    [InlineData("a@")]
    [InlineData("a@b@example.com")]
    [InlineData("a@example.com\r\nBcc: x@y.z")]
    [InlineData("group: a@example.com;")]
    [InlineData("a@-example.com")]
    public void TryParseMailbox_RefusesInvalid(string input) =>
        Assert.False(AddressRules.TryParseMailbox(input, out _, out _));

    [Fact]
    public void TryParseMailbox_RefusesLocalPartOver64Octets() =>
        Assert.False(AddressRules.TryParseMailbox(new string('a', 65) + "@example.com", out _, out var problem), problem);
}
