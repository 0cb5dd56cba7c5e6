using SmtpFunctions.Ingress.Protocol;

namespace SmtpFunctions.Ingress.Tests.Protocol;

public sealed class EnhancedStatusCodesTests
{
    [Theory]
    [InlineData("250 Ok", "MAIL", "250 2.1.0 Ok")]
    [InlineData("250 Ok", "RCPT", "250 2.1.5 Ok")]
    [InlineData("250 Ok", "RSET", "250 2.0.0 Ok")]
    [InlineData("221 bye", "QUIT", "221 2.0.0 bye")]
    [InlineData("235 go ahead", "AUTH", "235 2.7.0 go ahead")]
    [InlineData("535 authentication failed, 2 attempt(s) remaining.", "AUTH", "535 5.7.8 authentication failed, 2 attempt(s) remaining.")]
    [InlineData("501 expected NOOP/RSET/QUIT/HELO/EHLO, 9 retry(ies) remaining.", "RCPT", "503 5.5.1 Error: need MAIL command")]
    [InlineData("501 expected NOOP/RSET/QUIT/RCPT, 9 retry(ies) remaining.", "MAIL", "503 5.5.1 Error: nested MAIL command")]
    [InlineData("501 expected NOOP/RSET/QUIT/RCPT, 8 retry(ies) remaining.", "DATA", "503 5.5.1 Error: need RCPT command")]
    [InlineData("501 expected NOOP/RSET/QUIT/MAIL, 9 retry(ies) remaining.", "AUTH", "503 5.5.1 Error: bad sequence of commands")]
    [InlineData("502 Unrecognized command", "VRFY", "502 5.5.1 Unrecognized command")]
    [InlineData("502 Unrecognized command, 9 retry(ies) remaining.", "MAIL", "501 5.5.4 Syntax error in parameters or arguments, 9 retry(ies) remaining.")]
    [InlineData("552 size limit exceeded", "MAIL", "552 5.3.4 size limit exceeded")]
    [InlineData("554 no valid recipients given", "DATA", "554 5.5.1 no valid recipients given")]
    [InlineData("220 ready when you are", "STARTTLS", "220 2.0.0 ready when you are")]
    public void Ensure_AddsTheCodeForTheCommand(string line, string verb, string expected)
    {
        Assert.Equal(expected, EnhancedStatusCodes.Ensure(line, verb));
    }

    [Theory]
    [InlineData("250 2.0.0 Ok: queued as x", "DATA-END")]
    [InlineData("452 4.5.3 Too many recipients, 4 retry(ies) remaining.", "RCPT")]
    [InlineData("354 end with <CRLF>.<CRLF>", "DATA")]
    [InlineData("334 VXNlcm5hbWU6", "AUTH")]
    [InlineData("250-PIPELINING", "EHLO")]
    [InlineData("250 localhost Hello x", "HELO")]
    public void Ensure_LeavesRepliesThatHaveOneOrMustNot(string line, string verb)
    {
        Assert.Equal(line, EnhancedStatusCodes.Ensure(line, verb));
    }

    [Fact]
    public void Ensure_LeavesTheGreeting()
    {
        Assert.Equal("220 mx ESMTP", EnhancedStatusCodes.Ensure("220 mx ESMTP", null));
    }
}
