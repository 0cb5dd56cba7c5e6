using System.Text;
using SmtpFunctions.Ingress.Protocol;

namespace SmtpFunctions.Ingress.Tests.Protocol;

public sealed class EnvelopeDomainsTests
{
    [Theory]
    [InlineData("RCPT TO:<usuário@bücher.example>\r\n", "RCPT TO:<usuário@xn--bcher-kva.example>\r\n")]
    [InlineData("MAIL FROM:<a@münchen.example> SMTPUTF8\r\n", "MAIL FROM:<a@xn--mnchen-3ya.example> SMTPUTF8\r\n")]
    public void ToAsciiDomain_RewritesOnlyTheDomain(string line, string expected)
    {
        Assert.Equal(expected, Encoding.UTF8.GetString(EnvelopeDomains.ToAsciiDomain(Encoding.UTF8.GetBytes(line))!));
    }

    [Theory]
    [InlineData("RCPT TO:<user@example.net>\r\n")]
    [InlineData("MAIL FROM:<josé@example.com>\r\n")]
    [InlineData("MAIL FROM:<>\r\n")]
    [InlineData("RCPT TO:<a@exa mple.ü>\r\n")]
    public void ToAsciiDomain_LeavesWhatNeedsNoRewriting(string line)
    {
        Assert.Null(EnvelopeDomains.ToAsciiDomain(Encoding.UTF8.GetBytes(line)));
    }
}
