using System.Text.Json;
using MimeKit;
using SmtpFunctions.Core.Submission;
using static SmtpFunctions.Core.Tests.Submission.PreparerFixture;

namespace SmtpFunctions.Core.Tests.Submission;

/// <summary>
/// Issue 11, item 2: a request's cost is bounded before per-address work, duplicates are delivered to once and shown
/// once, and every over-limit list is refused naming its field.
/// </summary>
public class RecipientBoundsTests
{
    private const string Body = "\"subject\":\"s\",\"text\":\"t\"";

    [Fact]
    public void Prepare_Json20000DistinctRecipients_IsRefusedNamingTo()
    {
        var error = Reject(Request("to", Enumerable.Range(0, 20_000).Select(i => $"user{i}@example{i % 50}.net")));

        Assert.Equal(SubmissionErrorKind.Invalid, error.Kind);
        Assert.Equal("to", error.Field);
        Assert.Contains("at least 51 distinct recipients; at most 50", error.Detail, StringComparison.Ordinal);
        Assert.Single(error.Errors);
    }

    [Fact]
    public void Prepare_OneAddress10000Times_DeliversOnceAndShowsItOnce()
    {
        var prepared = Accept(Request("to", Enumerable.Repeat("bob@example.net", 10_000)));

        Assert.Equal(["bob@example.net"], prepared.Envelope.Recipients.Select(r => r.Address).ToArray());
        var stored = MimeMessage.Load(new MemoryStream(prepared.Mime.ToArray()));
        Assert.Equal(["bob@example.net"], stored.To.Mailboxes.Select(m => m.Address).ToArray());
    }

    [Fact]
    public void Prepare_SameAddressSpelledManyWays_CollapsesToTheFirstSpelling()
    {
        // The local part is compared without case too: every later step (status rows, delivery replies, suppression)
        // keys a recipient by its lower-cased address, so two spellings could not be tracked apart anyway.
        var prepared = Accept(Request("to", ["Bob <Bob@Example.NET>", "bob@example.net", "BOB@EXAMPLE.NET", "\"Bob B.\" <bob@example.net>"]));

        var recipient = Assert.Single(prepared.Envelope.Recipients);
        Assert.Equal("Bob@example.net", recipient.Address);
        Assert.Contains("To: Bob <Bob@Example.NET>\r\n", Text(prepared), StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_AddressInToAndCcAndBcc_IsShownOnlyWhereFirstGiven()
    {
        var prepared = Accept(Json(
            "{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"cc\":[\"b@example.net\",\"c@example.net\"],\"bcc\":[\"c@example.net\",\"d@example.net\"]," + Body + "}"));

        Assert.Equal(["b@example.net", "c@example.net", "d@example.net"], prepared.Envelope.Recipients.Select(r => r.Address).ToArray());
        var text = Text(prepared);
        Assert.Contains("To: b@example.net\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Cc: c@example.net\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("d@example.net", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_ManyDifferentSpellingsOfFewAddresses_IsRefusedBeforeParsingThemAll()
    {
        // 20,000 display names for one address: each would be a parse; more distinct spellings than twice the limit
        // cannot be a message within it.
        var error = Reject(Request("bcc", Enumerable.Range(0, 20_000).Select(i => $"Name {i} <bob@example.net>")));

        Assert.Equal("bcc", error.Field);
        Assert.Contains("more than 100 different addresses given; at most 50 distinct recipients", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_WhenCcCrossesTheLimit_NamesCc()
    {
        var error = Reject(
            $"{{\"from\":\"a@example.com\",\"to\":[\"r0@example.net\",\"r1@example.net\"],\"cc\":[\"r2@example.net\",\"r3@example.net\"],{Body}}}",
            o => o.MaxRecipients = 3);

        Assert.Equal("cc", error.Field);
    }

    [Fact]
    public void Prepare_ManyInvalidAddresses_ReportsEachOnceAndStopsAtTheSpellingBound()
    {
        var error = Reject(Request("to", Enumerable.Range(0, 20_000).Select(i => $"not an address {i}")));

        Assert.Equal("to[0]", error.Field);
        // 100 parsed and refused, then the bound: no list of 20,000 errors.
        Assert.Equal(101, error.Errors.Count);
        Assert.Equal("to", error.Errors[^1].Field);
    }

    [Fact]
    public void Prepare_ReplyToLongerThanTheRecipientLimit_IsRefusedNamingReplyTo()
    {
        var replyTo = string.Join(",", Enumerable.Range(0, 51).Select(i => $"\"r{i}@example.com\""));
        var error = Reject($"{{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"replyTo\":[{replyTo}],{Body}}}");

        Assert.Equal("replyTo", error.Field);
        Assert.Contains("51 mailboxes; at most 50", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_JsonWithMoreHeaderFieldsThanAllowed_IsRefusedNamingHeaders()
    {
        var headers = string.Join(",", Enumerable.Range(0, 11).Select(i => $"\"X-H{i}\":\"v\""));
        var error = Reject($"{{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"headers\":{{{headers}}},{Body}}}", o => o.MaxHeaderFields = 10);

        Assert.Equal("headers", error.Field);
        Assert.Contains("11 fields; at most 10", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_ListUnsubscribeWithThousandsOfUris_IsRefusedWithoutCheckingEach()
    {
        var uris = string.Join(",", Enumerable.Range(0, 5000).Select(i => $"\"https://example.com/u/{i}\""));
        var error = Reject($"{{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"listUnsubscribe\":[{uris}],{Body}}}");

        var only = Assert.Single(error.Errors);
        Assert.Equal("listUnsubscribe", only.Field);
        Assert.Contains("5000 URIs", only.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_RawMimeWith20000AddressesInTo_IsRefusedBeforeParsing()
    {
        var to = string.Join(", ", Enumerable.Range(0, 20_000).Select(i => $"user{i}@example{i % 50}.net"));
        var error = Reject(Mime($"From: a@example.com\r\nTo: {to}\r\nSubject: s\r\n\r\nbody\r\n"));

        Assert.Equal("headers", error.Field);
        Assert.Contains("longer than 131072 octets", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_RawMimeFieldFoldedOverTooManyLines_IsRefusedNamingIt()
    {
        var folded = string.Join("\r\n ", Enumerable.Range(0, 1001).Select(i => $"<{i}@x.example>"));
        var error = Reject(Mime($"From: a@example.com\r\nTo: b@example.net\r\nReferences: {folded}\r\n\r\nbody\r\n"));

        Assert.Equal("References", error.Field);
        Assert.Contains("more than 1000 lines", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_RawMimeFieldFoldedOverTheMostLinesAllowed_IsAccepted()
    {
        var folded = string.Join("\r\n ", Enumerable.Range(0, 1000).Select(i => $"<{i}@x.example>"));
        var prepared = Accept(Mime($"From: a@example.com\r\nTo: b@example.net\r\nReferences: {folded}\r\n\r\nbody\r\n"));

        Assert.Contains("<999@x.example>", Text(prepared), StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_RawMimeWithMoreFieldsThanAllowed_IsRefusedNamingHeaders()
    {
        var fields = string.Concat(Enumerable.Range(0, 20).Select(i => $"X-H{i}: v\r\n"));
        var error = Reject(Mime($"From: a@example.com\r\nTo: b@example.net\r\n{fields}\r\nbody\r\n"), o => o.MaxHeaderFields = 21);

        Assert.Equal("headers", error.Field);
        Assert.Contains("more than 21 header fields", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_SmtpEnvelopeOverTheLimit_NamesRcptTo()
    {
        var envelope = new SubmissionEnvelope("a@example.com", Enumerable.Range(0, 60).Select(i => $"r{i}@example.net").ToList());
        var error = Reject(Mime("From: a@example.com\r\nTo: r0@example.net\r\n\r\nbody\r\n", envelope));

        Assert.Equal("RCPT TO", error.Field);
        Assert.Contains("at least 51 distinct recipients", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_SmtpEnvelopeWithRepeatedRecipient_DeliversOnce()
    {
        var envelope = new SubmissionEnvelope("a@example.com", [.. Enumerable.Repeat("r@example.net", 500), "R@EXAMPLE.NET"]);
        var prepared = Accept(Mime("From: a@example.com\r\nTo: r@example.net\r\n\r\nbody\r\n", envelope));

        Assert.Equal(["r@example.net"], prepared.Envelope.Recipients.Select(r => r.Address).ToArray());
    }

    private static SubmissionRequest Request(string field, IEnumerable<string> addresses) =>
        Json($"{{\"from\":\"a@example.com\",\"{field}\":[{string.Join(",", addresses.Select(a => JsonSerializer.Serialize(a)))}]{(field == "to" ? "" : ",\"to\":\"x@example.net\"")},{Body}}}");
}
