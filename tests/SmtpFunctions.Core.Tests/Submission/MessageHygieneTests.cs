using System.Text;
using MimeKit;
using SmtpFunctions.Core.Submission;
using static SmtpFunctions.Core.Tests.Submission.PreparerFixture;

namespace SmtpFunctions.Core.Tests.Submission;

/// <summary>
/// Issue 11, item 5: no line over 998 octets is ever stored (re-folded, re-encoded, or refused naming what), trace and
/// authentication fields of the submitter do not travel, and nothing else of the message is lost on the way.
/// </summary>
public class MessageHygieneTests
{
    private static readonly string LongLine = string.Concat(Enumerable.Range(0, 500).Select(i => $"word{i % 10} ")).TrimEnd() + " end";

    [Fact]
    public void Prepare_RawMimeTextWith5000CharLine_IsReEncodedQuotedPrintable_AndDecodesToTheSameText()
    {
        var text = new string('a', 5000);
        var prepared = Accept(Mime($"From: a@example.com\r\nTo: b@example.net\r\nSubject: s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{text}\r\nsecond line\r\n"));

        AssertNoLongLine(prepared);
        var part = (TextPart)Reload(prepared).Body!;
        Assert.Equal(ContentEncoding.QuotedPrintable, part.ContentTransferEncoding);
        Assert.Equal($"{text}\r\nsecond line\r\n", part.Text.ReplaceLineEndings("\r\n"));
    }

    [Fact]
    public void Prepare_RawMimeWithoutContentTypeAndALongLine_IsReEncoded()
    {
        var prepared = Accept(Mime($"From: a@example.com\r\nTo: b@example.net\r\n\r\n{LongLine}\r\n"));

        AssertNoLongLine(prepared);
        Assert.Equal($"{LongLine}\r\n", ((TextPart)Reload(prepared).Body!).Text.ReplaceLineEndings("\r\n"));
    }

    [Fact]
    public void Prepare_RawMimeBinaryPartWithLongLine_IsReEncodedBase64_WithTheSameOctets()
    {
        var data = Encoding.ASCII.GetBytes(new string('z', 3000) + "\n" + new string('y', 1200));
        var mime = "From: a@example.com\r\nTo: b@example.net\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
            "--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n" +
            "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + Encoding.ASCII.GetString(data) + "\r\n" +
            "--b1--\r\n";
        var prepared = Accept(Mime(mime));

        AssertNoLongLine(prepared);
        var attachment = (MimePart)((Multipart)Reload(prepared).Body!)[1];
        Assert.Equal(ContentEncoding.Base64, attachment.ContentTransferEncoding);
        using var decoded = new MemoryStream();
        attachment.Content!.DecodeTo(decoded);
        Assert.Equal(data, decoded.ToArray());
    }

    [Fact]
    public void Prepare_RawMimeShortLines_AreStoredAsTheyCame()
    {
        var prepared = Accept(Mime("From: a@example.com\r\nTo: b@example.net\r\nContent-Transfer-Encoding: 8bit\r\n\r\nshort line\r\n"));

        Assert.Contains("Content-Transfer-Encoding: 8bit\r\n", Text(prepared), StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nshort line\r\n", Text(prepared), StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_RawMimeBase64WithLongLine_IsRefusedNamingTheBody()
    {
        var base64 = Convert.ToBase64String(new byte[4000]);
        var error = Reject(Mime($"From: a@example.com\r\nTo: b@example.net\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n{base64}\r\n"));

        Assert.Equal("body", error.Field);
        Assert.Contains("part 1 (application/pdf) has a line of 5336 octets in Base64 content", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_RawMimeEmbeddedMessageWithLongLine_ReEncodesTheInnerPart()
    {
        var mime = "From: a@example.com\r\nTo: b@example.net\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
            "--b1\r\nContent-Type: message/rfc822\r\n\r\nFrom: inner@example.org\r\nSubject: inner\r\n\r\n" + LongLine + "\r\n" +
            "--b1--\r\n";
        var prepared = Accept(Mime(mime));

        AssertNoLongLine(prepared);
        var inner = ((MessagePart)((Multipart)Reload(prepared).Body!)[0]).Message;
        // The CRLF before the closing boundary belongs to the boundary (RFC 2046 §5.1.1).
        Assert.Equal(LongLine, ((TextPart)inner!.Body!).Text);
    }

    [Fact]
    public void Prepare_RawMimePreambleWithLongLine_IsRefused()
    {
        var mime = "From: a@example.com\r\nTo: b@example.net\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
            new string('p', 1200) + "\r\n--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b1--\r\n";
        var error = Reject(Mime(mime));

        Assert.Equal("body", error.Field);
        Assert.Contains("preamble or epilogue", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_RawMimeSubjectOn5000Chars_IsRefolded_AndReadsTheSame()
    {
        var prepared = Accept(Mime($"From: a@example.com\r\nTo: b@example.net\r\nSubject: {LongLine}\r\n\r\nbody\r\n"));

        AssertNoLongLine(prepared);
        Assert.Equal(LongLine, Reload(prepared).Subject);
    }

    [Fact]
    public void Prepare_RawMimeToOnOneLongLine_IsRefoldedAtTheCommas()
    {
        var to = string.Join(", ", Enumerable.Range(0, 40).Select(i => $"Recipient Number {i} <recipient{i}@example.net>"));
        var prepared = Accept(Mime($"From: a@example.com\r\nTo: {to}\r\n\r\nbody\r\n"));

        AssertNoLongLine(prepared);
        Assert.Equal(40, Reload(prepared).To.Mailboxes.Count());
        Assert.Equal(40, prepared.Envelope.Recipients.Count);
    }

    [Fact]
    public void Prepare_RawMimeFieldWithoutFoldPoint_NeverStoresTheLongLine()
    {
        var token = new string('x', 5000);
        var request = Mime($"From: a@example.com\r\nTo: b@example.net\r\nX-Token: {token}\r\n\r\nbody\r\n");
        var ok = Create().TryPrepare(request, Id, Now, out var prepared, out var error);

        if (ok)
        {
            AssertNoLongLine(prepared!);
            Assert.Equal(token, Reload(prepared!).Headers["X-Token"]);
        }
        else
        {
            Assert.Equal("X-Token", error!.Field);
        }
    }

    [Fact]
    public void Prepare_JsonTextWith5000CharLine_IsQuotedPrintable_AndDecodesToTheSameText()
    {
        var text = new string('q', 5000);
        var prepared = Accept(Json($"{{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"{text}\\nnext\"}}"));

        AssertNoLongLine(prepared);
        var part = (TextPart)Reload(prepared).Body!;
        Assert.Equal(ContentEncoding.QuotedPrintable, part.ContentTransferEncoding);
        Assert.Equal($"{text}\r\nnext", part.Text.ReplaceLineEndings("\r\n"));
    }

    [Fact]
    public void Prepare_JsonHtmlWith5000CharLine_NeverStoresTheLongLine()
    {
        var html = "<p>" + new string('h', 5000) + "</p>";
        var prepared = Accept(Json($"{{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"html\":\"{html}\"}}"));

        AssertNoLongLine(prepared);
        Assert.Equal(html, ((TextPart)Reload(prepared).Body!).Text);
    }

    [Fact]
    public void Prepare_JsonSubjectAndHeaderOf5000Chars_AreFoldedOrEncoded_AndReadTheSame()
    {
        var token = new string('t', 5000);
        var prepared = Accept(Json($"{{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"subject\":\"{LongLine}\",\"headers\":{{\"X-Token\":\"{token}\"}},\"text\":\"t\"}}"));

        AssertNoLongLine(prepared);
        var stored = Reload(prepared);
        Assert.Equal(LongLine, stored.Subject);
        Assert.Equal(token, stored.Headers["X-Token"]);
    }

    [Fact]
    public void Prepare_RawMime_DropsReturnPathBccAndResentBcc_KeepsTheRest()
    {
        var prepared = Accept(Mime(
            "Return-Path: <bounce@evil.example>\r\nReceived: from earlier.example by relay.example; Sat, 28 Nov 2026 11:00:00 +0000\r\n" +
            "From: a@example.com\r\nTo: b@example.net\r\nBcc: hidden@example.net\r\nResent-Bcc: secret@example.net\r\nX-Keep: yes\r\n\r\nbody\r\n"));

        var text = Text(prepared);
        Assert.DoesNotContain("Return-Path", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hidden@", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret@", text, StringComparison.Ordinal);
        Assert.Contains("Received: from earlier.example by relay.example", text, StringComparison.Ordinal);
        Assert.Contains("X-Keep: yes\r\n", text, StringComparison.Ordinal);
        Assert.Contains(prepared.Envelope.Recipients, r => r.Address == "hidden@example.net");
    }

    [Fact]
    public void Prepare_RawMime_DropsSubmittedAuthenticationFieldsByDefault()
    {
        var prepared = Accept(Mime(AuthenticatedMime));

        var text = Text(prepared);
        foreach (var field in new[] { "DKIM-Signature", "ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results", "Authentication-Results" })
        {
            Assert.DoesNotContain(field + ":", text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains("Subject: signed elsewhere\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_RawMime_KeepsSubmittedAuthenticationFieldsWhenTheOperatorSaysSo()
    {
        var prepared = Accept(Mime(AuthenticatedMime), o => o.KeepSubmittedAuthenticationHeaders = true);

        var text = Text(prepared);
        Assert.Contains("DKIM-Signature: v=1; a=rsa-sha256; d=elsewhere.example", text, StringComparison.Ordinal);
        Assert.Contains("ARC-Seal: i=1", text, StringComparison.Ordinal);
        Assert.Contains("Authentication-Results: mx.elsewhere.example; spf=pass", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DKIM-Signature")]
    [InlineData("ARC-Seal")]
    [InlineData("ARC-Message-Signature")]
    [InlineData("arc-authentication-results")]
    [InlineData("Authentication-Results")]
    [InlineData("Received")]
    [InlineData("Return-Path")]
    [InlineData("Resent-Bcc")]
    public void Prepare_JsonHeaderOnlyAServerWrites_IsRefusedNamingIt(string name)
    {
        var error = Reject($"{{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"headers\":{{\"{name}\":\"v=1; x\"}},\"text\":\"t\"}}");

        Assert.Equal($"headers.{name}", error.Field);
        Assert.Contains("only a mail server adds", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_JsonHeaderLikeButNotServerOnly_IsKept()
    {
        var prepared = Accept(Json("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"headers\":{\"X-ARC-Note\":\"fine\",\"Resent-From\":\"c@example.com\"},\"text\":\"t\"}"));

        Assert.Contains("X-ARC-Note: fine\r\n", Text(prepared), StringComparison.Ordinal);
        Assert.Contains("Resent-From: c@example.com\r\n", Text(prepared), StringComparison.Ordinal);
    }

    private const string AuthenticatedMime =
        "DKIM-Signature: v=1; a=rsa-sha256; d=elsewhere.example; s=s1; h=from; bh=x; b=y\r\n" +
        "ARC-Seal: i=1; a=rsa-sha256; d=elsewhere.example; s=s1; cv=none; b=z\r\n" +
        "ARC-Message-Signature: i=1; a=rsa-sha256; d=elsewhere.example; s=s1; h=from; bh=x; b=y\r\n" +
        "ARC-Authentication-Results: i=1; mx.elsewhere.example; spf=pass\r\n" +
        "Authentication-Results: mx.elsewhere.example; spf=pass smtp.mailfrom=elsewhere.example\r\n" +
        "From: a@example.com\r\nTo: b@example.net\r\nSubject: signed elsewhere\r\n\r\nbody\r\n";

    private static MimeMessage Reload(PreparedSubmission prepared) => MimeMessage.Load(new MemoryStream(prepared.Mime.ToArray()));

    private static void AssertNoLongLine(PreparedSubmission prepared)
    {
        var lines = Text(prepared).Split("\r\n");
        Assert.All(lines, line => Assert.True(Encoding.UTF8.GetByteCount(line) <= 998, $"a line of {line.Length} characters was stored"));
    }
}
