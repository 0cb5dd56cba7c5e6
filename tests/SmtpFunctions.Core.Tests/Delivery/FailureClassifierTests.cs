using System.Net.Sockets;
using DnsClient;
using MailKit.Net.Smtp;
using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Core.Tests.Delivery;

public sealed class FailureClassifierTests
{
    [Theory]
    [InlineData(250, "2.0.0 Ok: queued as X", ReplyKind.Success, "2.0.0", "Ok: queued as X")]
    [InlineData(451, "4.7.1 Greylisted", ReplyKind.Transient, "4.7.1", "Greylisted")]
    [InlineData(550, "5.1.1 <a@b.c>: User unknown", ReplyKind.Permanent, "5.1.1", "<a@b.c>: User unknown")]
    [InlineData(550, "User unknown", ReplyKind.Permanent, "5.0.0", "User unknown")]
    [InlineData(421, "Service not available", ReplyKind.Transient, "4.0.0", "Service not available")]
    [InlineData(554, "5.1.10 null MX", ReplyKind.Permanent, "5.1.10", "null MX")]
    [InlineData(552, "4.2.2 mailbox full", ReplyKind.Permanent, "5.0.0", "4.2.2 mailbox full")]
    public void FromReply_ClassifiesByCodeAndParsesEnhancedCode(int code, string text, ReplyKind kind, string enhanced, string rest)
    {
        var reply = FailureClassifier.FromReply(code, text);

        Assert.Equal(kind, reply.Kind);
        Assert.Equal(enhanced, reply.EnhancedCode);
        Assert.Equal(code, reply.Code);
        Assert.Equal(rest, reply.Text);
    }

    [Theory]
    [InlineData("5.1.1 x", "5.1.1")]
    [InlineData("4.7.1", "4.7.1")]
    [InlineData("2.6.0\tok", "2.6.0")]
    [InlineData("5.1.1000 x", null)]
    [InlineData("3.1.1 x", null)]
    [InlineData("5.1 x", null)]
    [InlineData("5.1.1x", null)]
    [InlineData("", null)]
    public void ParseEnhancedCode_AcceptsOnlyRfc3463Form(string text, string? expected) =>
        Assert.Equal(expected, FailureClassifier.ParseEnhancedCode(text));

    [Fact]
    public void FromException_SmtpCommandException_UsesItsStatusCode()
    {
        var reply = FailureClassifier.FromException(new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.TransactionFailed, "5.7.1 spam"));

        Assert.Equal(ReplyKind.Permanent, reply.Kind);
        Assert.Equal(554, reply.Code);
        Assert.Equal("5.7.1", reply.EnhancedCode);
    }

    [Theory]
    [InlineData(SocketError.ConnectionRefused, "4.4.1")]
    [InlineData(SocketError.TimedOut, "4.4.1")]
    [InlineData(SocketError.ConnectionReset, "4.4.2")]
    public void FromException_SocketErrors_AreTransient(SocketError error, string enhanced)
    {
        var reply = FailureClassifier.FromException(new SocketException((int)error));

        Assert.Equal(ReplyKind.Transient, reply.Kind);
        Assert.Equal(enhanced, reply.EnhancedCode);
        Assert.Null(reply.Code);
    }

    [Fact]
    public void FromException_DroppedConnectionAndTimeouts_AreTransient()
    {
        Assert.Equal(ReplyKind.Transient, FailureClassifier.FromException(new SmtpProtocolException("disconnected")).Kind);
        Assert.Equal(ReplyKind.Transient, FailureClassifier.FromException(new IOException("reset")).Kind);
        Assert.Equal(ReplyKind.Transient, FailureClassifier.FromException(new TimeoutException()).Kind);
        Assert.Equal("4.7.5", FailureClassifier.FromException(new MailKit.Security.SslHandshakeException("bad")).EnhancedCode);
    }

    [Theory]
    [InlineData(DnsResponseCode.NotExistentDomain, ReplyKind.Permanent, "5.1.2")]
    [InlineData(DnsResponseCode.ServerFailure, ReplyKind.Transient, "4.4.3")]
    [InlineData(DnsResponseCode.ConnectionTimeout, ReplyKind.Transient, "4.4.3")]
    [InlineData(DnsResponseCode.Refused, ReplyKind.Transient, "4.4.3")]
    public void FromDns_NxDomainIsPermanentOthersTransient(DnsResponseCode code, ReplyKind kind, string enhanced)
    {
        var reply = FailureClassifier.FromDns(code, "example.net", "MX");

        Assert.Equal(kind, reply.Kind);
        Assert.Equal(enhanced, reply.EnhancedCode);
    }

    [Fact]
    public void Expired_KeepsTheLastTransientStatusAndIsPermanent()
    {
        var last = FailureClassifier.FromReply(451, "4.7.1 Greylisted");

        var expired = FailureClassifier.Expired(last);

        Assert.Equal(ReplyKind.Permanent, expired.Kind);
        Assert.Equal("4.7.1", expired.EnhancedCode);
        Assert.Equal(451, expired.Code);
        Assert.Equal("451 4.7.1 Greylisted (delivery time expired)", expired.ToString());
        Assert.Equal("4.4.7", FailureClassifier.Expired(null).EnhancedCode);
    }

    [Fact]
    public void Reply_ToString_ReadsLikeAnSmtpLine()
    {
        Assert.Equal("550 5.1.1 User unknown", FailureClassifier.FromReply(550, "5.1.1 User unknown").ToString());
        Assert.Equal("5.1.10 Domain x.test does not accept mail (null MX)", FailureClassifier.NullMx("x.test").ToString());
    }
}
