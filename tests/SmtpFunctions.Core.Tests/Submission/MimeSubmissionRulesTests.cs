using SmtpFunctions.Core.Submission;
using static SmtpFunctions.Core.Tests.Submission.PreparerFixture;

namespace SmtpFunctions.Core.Tests.Submission;

public class MimeSubmissionRulesTests
{
    private const string Simple = "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nCc: carol@example.org\r\nBcc: dave@example.net\r\nSubject: hi\r\n\r\nbody\r\n";

    private static PreparedSubmission Accept(SubmissionRequest request)
    {
        var ok = Create().TryPrepare(request, Id, Now, out var prepared, out var error);
        Assert.True(ok, error?.Detail);
        return prepared!;
    }

    [Fact]
    public void Prepare_RawMime_TakesEnvelopeFromHeaders_AndStripsBcc()
    {
        var prepared = Accept(Mime(Simple));

        Assert.Equal("alice@example.com", prepared.Envelope.Sender!.Address);
        Assert.Equal(["bob@example.net", "carol@example.org", "dave@example.net"], prepared.Envelope.Recipients.Select(r => r.Address).ToArray());
        Assert.DoesNotContain("dave@", Text(prepared), StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nbody\r\n", Text(prepared), StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_RawMimeWithSender_UsesSenderAsReversePath()
    {
        var prepared = Accept(Mime("From: a@example.com, b@example.com\r\nSender: list@example.com\r\nTo: c@example.net\r\n\r\nx\r\n"));

        Assert.Equal("list@example.com", prepared.Envelope.Sender!.Address);
    }

    [Fact]
    public void Prepare_RawMimeWithSeveralFromAndNoSender_Refuses()
    {
        var error = Reject(Mime("From: a@example.com, b@example.com\r\nTo: c@example.net\r\n\r\nx\r\n"));

        Assert.Equal("Sender", error.Field);
    }

    [Fact]
    public void Prepare_RawMimeKeepsItsMessageId_AndAddsMissingDate()
    {
        var prepared = Accept(Mime("From: a@example.com\r\nTo: c@example.net\r\nMessage-ID: <mine@example.com>\r\n\r\nx\r\n"));

        Assert.Contains("Message-ID: <mine@example.com>", Text(prepared), StringComparison.Ordinal);
        Assert.Contains("Date: ", Text(prepared), StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_RawMimeWithLfLineEnds_IsStoredWithCrlf()
    {
        var prepared = Accept(Mime("From: a@example.com\nTo: c@example.net\nSubject: lf\n\nline one\nline two\n"));

        Assert.DoesNotContain("\n", Text(prepared).Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "message", "empty")]
    [InlineData("To: c@example.net\r\n\r\nx\r\n", "From", "no From")]
    [InlineData("From: a@example.com\r\n\r\nx\r\n", "To", "at least one recipient")]
    [InlineData("From: a@example.com\r\nTo: not-an-address\r\n\r\nx\r\n", "To", "")]
    public void Prepare_RawMime_WhenBroken_NamesTheHeader(string mime, string field, string detail)
    {
        var error = Reject(Mime(mime));

        Assert.Equal(SubmissionErrorKind.Invalid, error.Kind);
        Assert.Contains(error.Errors, e => e.Field == field && e.Detail.Contains(detail, StringComparison.Ordinal));
    }

    [Fact]
    public void Prepare_WithSmtpEnvelope_UsesItNotTheHeaders()
    {
        var prepared = Accept(Mime(Simple, new SubmissionEnvelope("bounces@example.com", ["x@example.net", "X@example.net", "y@example.org"])));

        Assert.Equal("bounces@example.com", prepared.Envelope.Sender!.Address);
        Assert.Equal(["x@example.net", "y@example.org"], prepared.Envelope.Recipients.Select(r => r.Address).ToArray());
        Assert.DoesNotContain("Bcc:", Text(prepared), StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_WithNullReversePath_HasNoSender()
    {
        var prepared = Accept(Mime(Simple, new SubmissionEnvelope(null, ["alice@example.com"])));

        Assert.Null(prepared.Envelope.Sender);
    }

    [Fact]
    public void Prepare_WithBadEnvelopeRecipient_NamesIt()
    {
        var error = Reject(Mime(Simple, new SubmissionEnvelope("a@example.com", ["ok@example.net", "bad"])));

        Assert.Equal("RCPT TO[1]", error.Field);
    }

    [Theory]
    [InlineData("example.com", "elsewhere.com", "elsewhere.com")]
    [InlineData("elsewhere.com", "example.com", "elsewhere.com")]
    public void Prepare_WhenSenderDomainNotAllowed_Refuses(string headerDomain, string envelopeDomain, string refused)
    {
        var mime = $"From: a@{headerDomain}\r\nTo: c@example.net\r\n\r\nx\r\n";
        var error = Reject(Mime(mime, new SubmissionEnvelope($"a@{envelopeDomain}", ["c@example.net"]), allowed: ["example.com"]));

        Assert.Equal(SubmissionErrorKind.SenderNotAllowed, error.Kind);
        Assert.Contains(refused, error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_WhenSenderDomainAllowed_Accepts()
    {
        var prepared = Accept(Mime("From: a@Example.com\r\nTo: c@example.net\r\n\r\nx\r\n", new SubmissionEnvelope("a@example.com", ["c@example.net"]), allowed: ["example.com"]));

        Assert.Equal("a@example.com", prepared.Envelope.Sender!.Address);
    }

    [Fact]
    public void Prepare_EightBitBody_IsFlagged()
    {
        var prepared = Accept(Mime("From: a@example.com\r\nTo: c@example.net\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n"));

        Assert.True(prepared.EightBit);
    }
}
