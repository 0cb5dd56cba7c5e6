using SmtpFunctions.Core.Submission;
using static SmtpFunctions.Core.Tests.Submission.PreparerFixture;

namespace SmtpFunctions.Core.Tests.Submission;

public class JsonSubmissionRulesTests
{
    private const string Body = "\"text\":\"hello\"";

    [Theory]
    [InlineData("{\"to\":\"b@example.net\"," + Body + "}", "from", "is required")]
    [InlineData("{\"from\":\"not an address\",\"to\":\"b@example.net\"," + Body + "}", "from", "not a valid email address")]
    [InlineData("{\"from\":\"a@example.com, c@example.com\",\"to\":\"b@example.net\"," + Body + "}", "from", "exactly one mailbox")]
    [InlineData("{\"from\":\"a@example.com\"," + Body + "}", "to", "at least one recipient")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":[],\"cc\":[]," + Body + "}", "to", "at least one recipient")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":[\"b@example.net\",\"oops\"]," + Body + "}", "to[1]", "not a valid email address")]
    [InlineData("{\"from\":\"a@example.com\",\"cc\":\"b@localhost\"," + Body + "}", "cc[0]", "fully qualified")]
    [InlineData("{\"from\":\"a@example.com\",\"bcc\":\"b@[127.0.0.1]\"," + Body + "}", "bcc[0]", "address literals")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@exa_mple.net\"," + Body + "}", "to[0]", "not a valid domain")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"replyTo\":\"nope\"," + Body + "}", "replyTo[0]", "not a valid email address")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"subject\":\"a\\r\\nBcc: x@evil.test\"," + Body + "}", "subject", "CR or LF")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"}", "text", "text or html")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"headers\":{\"From\":\"x@y.z\"}}", "headers.From", "structural")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"headers\":{\"Content-Type\":\"text/html\"}}", "headers.Content-Type", "structural")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"headers\":{\"bcc\":\"x@y.z\"}}", "headers.bcc", "structural")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"headers\":{\"X Bad\":\"v\"}}", "headers.X Bad", "not a valid header field name")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"headers\":{\"X:Bad\":\"v\"}}", "headers.X:Bad", "not a valid header field name")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"headers\":{\"X-Ok\":\"a\\nBcc: x@evil.test\"}}", "headers.X-Ok", "CR or LF")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"headers\":{\"X-Null\":null}}", "headers.X-Null", "needs a value")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"attachments\":[{\"content\":\"aGk=\"}]}", "attachments[0].filename", "is required")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"attachments\":[{\"filename\":\"a.txt\"}]}", "attachments[0].content", "is required")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"attachments\":[{\"filename\":\"a.txt\",\"content\":\"not base64!\"}]}", "attachments[0].content", "not valid base64")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"attachments\":[{\"filename\":\"a.txt\",\"content\":\"aGk=\",\"contentType\":\"nonsense\"}]}", "attachments[0].contentType", "not a valid MIME type")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"attachments\":[{\"filename\":\"a.eml\",\"content\":\"aGk=\",\"contentType\":\"multipart/mixed\"}]}", "attachments[0].contentType", "multipart and message")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"attachments\":[{\"filename\":\"a.png\",\"content\":\"aGk=\",\"contentId\":\"logo\"}]}", "attachments[0].contentId", "need an html body")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"html\":\"x\",\"attachments\":[{\"filename\":\"a.png\",\"content\":\"aGk=\",\"contentId\":\"a b\"}]}", "attachments[0].contentId", "printable ASCII")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"attachments\":[null]}", "attachments[0]", "must be an object")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"priority\":\"high\"}", "priority", "unknown field")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"attachments\":[{\"filename\":\"a\",\"content\":\"aGk=\",\"size\":2}]}", "attachments[0].size", "unknown field")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":42," + Body + "}", "to", "wrong type")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"tags\":[\"ok\",\"not ok\"]}", "tags[1]", "letters, digits")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"tags\":\"one\"}", "tags", "wrong type")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + ",\"metadata\":{\"a b\":\"v\"}}", "metadata", "letters, digits")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",", "body", "not valid JSON at line 1")]
    [InlineData("[]", "body", "wrong type")]
    [InlineData("null", "body", "not null")]
    [InlineData("", "body", "empty")]
    public void Prepare_WhenRuleBroken_NamesTheField(string json, string field, string detail)
    {
        var error = Reject(json);

        Assert.Equal(SubmissionErrorKind.Invalid, error.Kind);
        Assert.Contains(error.Errors, e => e.Field == field && e.Detail.Contains(detail, StringComparison.Ordinal));
    }

    [Fact]
    public void Prepare_WhenJsonMalformedOnLaterLine_GivesLineAndByte()
    {
        var error = Reject("{\n  \"from\": \"a@example.com\",\n  \"to\": [\"b@example.net\" \"c@example.net\"]\n}");

        Assert.Equal("body", error.Field);
        Assert.Contains("line 3", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_WhenSeveralRulesBroken_ListsEveryField()
    {
        var error = Reject("{\"from\":\"bad\",\"to\":\"also bad\",\"subject\":\"a\\nb\"}");

        Assert.Equal(["from", "to[0]", "subject", "text"], error.Errors.Select(e => e.Field).ToArray());
    }

    [Fact]
    public void Prepare_WhenMoreDistinctRecipientsThanAllowed_Refuses()
    {
        var to = string.Join(",", Enumerable.Range(0, 4).Select(i => $"\"r{i}@example.net\""));
        var error = Reject($"{{\"from\":\"a@example.com\",\"to\":[{to}],{Body}}}", o => o.MaxRecipients = 3);

        Assert.Equal("to", error.Field);
        Assert.Contains("4 distinct recipients; at most 3", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_WhenDuplicatesAcrossToCcBcc_CollapsesThemBeforeCounting()
    {
        var prepared = Accept(
            "{\"from\":\"a@example.com\",\"to\":[\"b@example.net\",\"B@Example.NET\"],\"cc\":\"Bob <b@example.net>\",\"bcc\":[\"b@example.net\",\"c@example.net\"]," + Body + "}",
            o => o.MaxRecipients = 2);

        Assert.Equal(["b@example.net", "c@example.net"], prepared.Envelope.Recipients.Select(r => r.Address).ToArray());
    }

    [Fact]
    public void Prepare_WhenIdempotencyKeyHasControlCharacters_Refuses()
    {
        var error = Reject(Json("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"," + Body + "}", "bad\u0001key"));

        Assert.Equal("Idempotency-Key", error.Field);
    }

    [Fact]
    public void Prepare_WhenEncodedMessageExceedsLimit_IsTooLarge()
    {
        var big = Convert.ToBase64String(new byte[6000]);
        var error = Reject(
            $"{{\"from\":\"a@example.com\",\"to\":\"b@example.net\",{Body},\"attachments\":[{{\"filename\":\"a.bin\",\"content\":\"{big}\"}}]}}",
            o => o.MaxMessageBytes = 4096);

        Assert.Equal(SubmissionErrorKind.TooLarge, error.Kind);
        Assert.Contains("limit is 4096", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_WhenDomainIsInternational_PutsALabelOnEnvelopeAndHeaders()
    {
        var prepared = Accept("{\"from\":\"a@example.com\",\"to\":\"Zoë <zoe@bücher.example>\"," + Body + "}");

        var recipient = Assert.Single(prepared.Envelope.Recipients);
        Assert.Equal("zoe@xn--bcher-kva.example", recipient.Address);
        Assert.Equal("xn--bcher-kva.example", recipient.Domain);
        Assert.False(prepared.RequiresSmtpUtf8);
        Assert.Contains("zoe@xn--bcher-kva.example", Text(prepared), StringComparison.Ordinal);
        Assert.All(prepared.Mime.ToArray(), b => Assert.True(b < 0x80));
    }

    [Fact]
    public void Prepare_WhenLocalPartIsNotAscii_MarksSmtpUtf8AndWritesUtf8Headers()
    {
        var prepared = Accept("{\"from\":\"a@example.com\",\"to\":\"δοκιμή@example.gr\"," + Body + "}");

        var recipient = Assert.Single(prepared.Envelope.Recipients);
        Assert.True(recipient.RequiresSmtpUtf8);
        Assert.True(prepared.RequiresSmtpUtf8);
        Assert.Contains("To: δοκιμή@example.gr", Text(prepared), StringComparison.Ordinal);
    }
}
