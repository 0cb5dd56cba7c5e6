using DnsClient;
using MailKit.Net.Smtp;
using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Core.Tests.Delivery;

/// <summary>Which failures suppress the address and which replies throttle the destination: decided by the one classifier.</summary>
public sealed class DeliverabilityClassificationTests
{
    [Theory]
    [InlineData(550, "5.1.1 <a@b.test>: Recipient address rejected: User unknown")]
    [InlineData(550, "5.1.2 Host or domain name not found")]
    [InlineData(553, "5.1.3 Bad recipient address syntax")]
    [InlineData(551, "5.1.6 Mailbox has moved")]
    [InlineData(550, "5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup")]
    [InlineData(550, "5.2.1 The email account that you tried to reach is disabled")]
    public void Suppresses_MailboxLevelPermanentFailures(int code, string text)
    {
        Assert.True(FailureClassifier.Suppresses(FailureClassifier.FromReply(code, text)));
    }

    [Theory]
    [InlineData(550, "5.1.0 Address rejected")]
    [InlineData(550, "5.1.4 Destination mailbox address ambiguous")]
    [InlineData(553, "5.1.7 Bad sender address syntax")]
    [InlineData(550, "5.1.8 Sender domain not found")]
    [InlineData(552, "5.2.2 Mailbox full")]
    [InlineData(552, "5.2.3 Message too long")]
    [InlineData(552, "5.3.4 Message size exceeds fixed limit")]
    [InlineData(554, "5.4.6 Routing loop detected")]
    [InlineData(554, "5.6.0 Content rejected")]
    [InlineData(550, "5.7.1 Message rejected as spam")]
    [InlineData(550, "5.7.26 Unauthenticated email is not accepted")]
    [InlineData(550, "User unknown")]
    [InlineData(450, "4.1.1 Mailbox temporarily unavailable")]
    [InlineData(250, "2.1.5 Ok")]
    public void Suppresses_NotPolicyContentTransientOrUnspecifiedFailures(int code, string text)
    {
        Assert.False(FailureClassifier.Suppresses(FailureClassifier.FromReply(code, text)));
    }

    [Fact]
    public void Suppresses_LocalConditions_NxDomainAndNullMxYes_ExpiryAndOthersNo()
    {
        Assert.True(FailureClassifier.Suppresses(FailureClassifier.FromDns(DnsResponseCode.NotExistentDomain, "gone.test", "MX")));
        Assert.True(FailureClassifier.Suppresses(FailureClassifier.NullMx("nomail.test")));
        Assert.False(FailureClassifier.Suppresses(FailureClassifier.Expired(FailureClassifier.FromReply(450, "4.2.0 Mailbox busy"))));
        Assert.False(FailureClassifier.Suppresses(FailureClassifier.Expired(null)));
        Assert.False(FailureClassifier.Suppresses(FailureClassifier.NoAddresses("x.test", transient: false)));
        Assert.False(FailureClassifier.Suppresses(FailureClassifier.SmtpUtf8NotOffered("mx.x.test")));
        Assert.False(FailureClassifier.Suppresses(FailureClassifier.TooLarge("mx.x.test", 10, 5)));
        Assert.False(FailureClassifier.Suppresses(FailureClassifier.Permanent("5.3.0", "the stored message content is missing")));
    }

    [Theory]
    [InlineData(421, "4.7.0 Try again later, closing connection.", false)]
    [InlineData(421, "4.7.28 Our system has detected an unusual rate of unsolicited mail", false)]
    [InlineData(421, "Service not available", false)]
    [InlineData(421, "4.3.2 System shutting down", true)]
    [InlineData(451, "4.7.500 Server busy. Please try again later", false)]
    [InlineData(450, "4.7.1 Client host rejected: cannot find your hostname", false)]
    public void IsThrottling_421AnywhereOr47xForTheWholeTransaction(int code, string text, bool recipientLevel)
    {
        Assert.True(FailureClassifier.IsThrottling(FailureClassifier.FromReply(code, text) with { RecipientLevel = recipientLevel }));
    }

    [Theory]
    [InlineData(451, "4.7.1 Greylisted, see https://postgrey.schweikert.ch/", true)]
    [InlineData(450, "4.2.0 Greylisted", false)]
    [InlineData(452, "4.2.2 Mailbox full", true)]
    [InlineData(451, "4.3.0 Local error in processing", false)]
    [InlineData(550, "5.7.1 Relaying denied", false)]
    [InlineData(554, "5.7.1 Service unavailable; client host blocked", false)]
    [InlineData(250, "2.0.0 Ok", false)]
    public void IsThrottling_NotForOneRecipientNorOtherTransientsNorPermanents(int code, string text, bool recipientLevel)
    {
        Assert.False(FailureClassifier.IsThrottling(FailureClassifier.FromReply(code, text) with { RecipientLevel = recipientLevel }));
    }

    [Fact]
    public void IsThrottling_NeverForLocalConditions()
    {
        Assert.False(FailureClassifier.IsThrottling(FailureClassifier.TlsNotOffered("mx.x.test")));
        Assert.False(FailureClassifier.IsThrottling(FailureClassifier.FromException(new MailKit.Security.SslHandshakeException("bad"))));
        Assert.False(FailureClassifier.IsThrottling(FailureClassifier.FromException(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused))));
        Assert.False(FailureClassifier.IsThrottling(FailureClassifier.Congested("mx:a.test:25")));
    }

    [Fact]
    public void IsThrottling_A421InAnException_LikeAGreetingOrMailFrom()
    {
        var reply = FailureClassifier.FromException(new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.ServiceNotAvailable, "4.7.0 Too many connections"));

        Assert.Equal(421, reply.Code);
        Assert.True(FailureClassifier.IsThrottling(reply));
    }

    [Fact]
    public void RecipientLevel_IsSetOnlyForRcptReplies()
    {
        Assert.False(FailureClassifier.FromReply(451, "4.7.1 Greylisted").RecipientLevel);
        var rcpt = FailureClassifier.FromRecipientResponse(new SmtpResponse(SmtpStatusCode.ErrorInProcessing, "4.7.1 Greylisted"));
        Assert.True(rcpt.RecipientLevel);
        Assert.False(FailureClassifier.IsThrottling(rcpt));
        Assert.Equal("4.4.5", FailureClassifier.Congested("mx:a.test:25").EnhancedCode);
    }
}
