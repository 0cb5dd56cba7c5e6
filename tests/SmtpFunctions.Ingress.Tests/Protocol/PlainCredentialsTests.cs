using System.Text;
using SmtpFunctions.Ingress.Protocol;

namespace SmtpFunctions.Ingress.Tests.Protocol;

public sealed class PlainCredentialsTests
{
    [Theory]
    [InlineData("\0alice\0secret", false)]
    [InlineData("alice\0alice\0secret", false)]
    [InlineData("ALICE\0alice\0secret", false)]
    [InlineData("bob\0alice\0secret", true)]
    [InlineData("admin@example.com\0alice@example.com\0secret", true)]
    [InlineData("\0\0", false)]
    public void AsksForAnotherIdentity_OnlyWhenTheAuthzidNamesSomeoneElse(string message, bool expected)
    {
        var line = Convert.ToBase64String(Encoding.UTF8.GetBytes(message)) + "\r\n";

        Assert.Equal(expected, PlainCredentials.AsksForAnotherIdentity(Encoding.ASCII.GetBytes(line)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("not base64!")]
    [InlineData("YWxpY2U=")]
    public void AsksForAnotherIdentity_IsFalseForWhatIsNotAPlainMessage(string line)
    {
        Assert.False(PlainCredentials.AsksForAnotherIdentity(Encoding.ASCII.GetBytes(line)));
    }
}
