using System.Text;
using SmtpFunctions.Ingress.Protocol;

namespace SmtpFunctions.Ingress.Tests.Protocol;

public sealed class EsmtpParametersTests
{
    private const long Max = 26_214_400;

    [Theory]
    [InlineData("MAIL FROM:<a@example.com> SIZE=12345678901234567890123", "552 5.3.4")]
    [InlineData("MAIL FROM:<a@example.com> SIZE=99999999999999999999", "552 5.3.4")]
    [InlineData("MAIL FROM:<a@example.com> SIZE=26214401", "552 5.3.4 Message size exceeds fixed limit")]
    [InlineData("MAIL FROM:<a@example.com> SIZE=abc", "501 5.5.4 Bad message size syntax")]
    [InlineData("MAIL FROM:<a@example.com> SIZE=", "501 5.5.4 Bad message size syntax")]
    [InlineData("MAIL FROM:<a@example.com> SIZE=-1", "501 5.5.4 Bad message size syntax")]
    [InlineData("MAIL FROM:<a@example.com> FOO=bar", "555 5.5.4 Unsupported option: FOO=bar")]
    [InlineData("MAIL FROM:<a@example.com> NOTIFY=NEVER", "555 5.5.4 Unsupported option: NOTIFY=NEVER")]
    [InlineData("MAIL FROM:<a@example.com> RET=HDRS", "555 5.5.4 Unsupported option: RET=HDRS")]
    [InlineData("MAIL FROM:<a@example.com> ENVID=x", "555 5.5.4 Unsupported option: ENVID=x")]
    [InlineData("MAIL FROM:<a@example.com> SMTPUTF8=yes", "555 5.5.4 Unsupported option: SMTPUTF8=yes")]
    [InlineData("MAIL FROM:<a@example.com> SIZE", "555 5.5.4 Unsupported option: SIZE")]
    [InlineData("MAIL FROM:<a@example.com> BODY=BINARYMIME", "501 5.5.4 Bad BODY keyword syntax")]
    [InlineData("MAIL FROM:<a@example.com> AUTH=bad+zz", "501 5.5.4 Bad AUTH parameter syntax")]
    [InlineData("MAIL FROM:<a@example.com> SIZE=100 FOO=bar", "555 5.5.4 Unsupported option: FOO=bar")]
    [InlineData("mail from:<a@example.com> foo=bar", "555 5.5.4 Unsupported option: foo=bar")]
    [InlineData("MAIL FROM:a@example.com FOO=bar", "555 5.5.4 Unsupported option: FOO=bar")]
    [InlineData("MAIL FROM:<\"a> FOO=bar\"@example.com> NOTIFY=NEVER", "555 5.5.4 Unsupported option: NOTIFY=NEVER")]
    public void CheckMail_RefusesLikePostfix(string line, string reply)
    {
        var check = EsmtpParameters.CheckMail(Encoding.ASCII.GetBytes(line + "\r\n"), Max);

        Assert.NotNull(check.Refusal);
        Assert.StartsWith(reply, check.Refusal, StringComparison.Ordinal);
        Assert.Null(check.DeclaredSize);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@example.com>", null)]
    [InlineData("MAIL FROM:<>", null)]
    [InlineData("MAIL FROM: <a@example.com>", null)]
    [InlineData("MAIL FROM:<a@example.com> SIZE=26214400", 26_214_400L)]
    [InlineData("MAIL FROM:<a@example.com> size=0", 0L)]
    [InlineData("MAIL FROM:<a@example.com> BODY=8BITMIME SMTPUTF8 SIZE=100", 100L)]
    [InlineData("MAIL FROM:<a@example.com>  BODY=7bit  ", null)]
    [InlineData("MAIL FROM:<a@example.com> AUTH=<>", null)]
    [InlineData("MAIL FROM:<a@example.com> AUTH=alice+40example.com", null)]
    [InlineData("MAIL FROM:<\"a> FOO=bar\"@example.com> SIZE=5", 5L)]
    [InlineData("MAIL FROM:<\"a\\\"> x\"@example.com>", null)]
    [InlineData("EHLO client.test", null)]
    [InlineData("MAIL FROM:<unclosed@example.com FOO=bar", null)]
    public void CheckMail_AcceptsWhatWeOffer_AndLeavesUnparsableLinesToSmtpServer(string line, long? size)
    {
        var check = EsmtpParameters.CheckMail(Encoding.ASCII.GetBytes(line + "\r\n"), Max);

        Assert.Null(check.Refusal);
        Assert.Equal(size, check.DeclaredSize);
    }

    [Theory]
    [InlineData("RCPT TO:<b@example.net> NOTIFY=NEVER", "555 5.5.4 Unsupported option: NOTIFY=NEVER")]
    [InlineData("RCPT TO:<b@example.net> ORCPT=rfc822;b@example.net", "555 5.5.4 Unsupported option: ORCPT=rfc822;b@example.net")]
    [InlineData("rcpt to:<b@example.net> x", "555 5.5.4 Unsupported option: x")]
    [InlineData("RCPT TO:<b@example.net>", null)]
    [InlineData("RCPT TO:<b@example.net>   ", null)]
    [InlineData("RCPT TO:<\"b c\"@example.net>", null)]
    public void CheckRcpt_RefusesEveryParameter(string line, string? reply)
    {
        Assert.Equal(reply, EsmtpParameters.CheckRcpt(Encoding.ASCII.GetBytes(line + "\r\n")));
    }
}
