using static SmtpFunctions.Core.Tests.Submission.PreparerFixture;

namespace SmtpFunctions.Core.Tests.Submission;

/// <summary>
/// The exact octets stored for JSON submissions, pinned: delivery, DKIM and downstream tests compare stored messages
/// byte for byte, so a change in how the MIME is built (such as how the MimeMessage is constructed) must not move a
/// header or a line. The first field is the Received trace of the HTTP door (no client details are known here).
/// </summary>
public class JsonMimeOctetsTests
{
    [Fact]
    public void Build_FullHeaderSet_StoresPinnedOctets()
    {
        var prepared = Accept(
            "{\"from\":\"Ålice Example <alice@example.com>\",\"to\":[\"bob@example.net\",\"Carol <carol@example.org>\"],\"cc\":\"dave@example.net\"," +
            "\"bcc\":\"eve@example.net\",\"replyTo\":\"replies@example.com\",\"subject\":\"Héllo wörld, a subject long enough to be folded over more than one line of the header block\"," +
            "\"headers\":{\"X-Campaign\":\"spring\",\"X-Trace\":\"abc 123\"},\"listUnsubscribe\":\"https://example.com/u/1\",\"listUnsubscribeOneClick\":true," +
            "\"text\":\"Line one\\nLine two with ümlaut\\r\\nLast line\"}");

        Assert.Equal(
            "Received: by submit.test.example (SmtpFunctions) with HTTP id 01m8j01vmaatx2gphqhz6sc4f1;\r\n" +
            "\tSat, 28 Nov 2026 12:00:00 +0000\r\n" +
            "From: =?utf-8?b?w4VsaWNl?= Example <alice@example.com>\r\n" +
            "Subject: =?utf-8?b?SMOpbGxvIHfDtnJsZCw=?= a subject long enough to be folded\r\n" +
            " over more than one line of the header block\r\n" +
            "To: bob@example.net, Carol <carol@example.org>\r\n" +
            "Cc: dave@example.net\r\n" +
            "Reply-To: replies@example.com\r\n" +
            "X-Campaign: spring\r\n" +
            "X-Trace: abc 123\r\n" +
            "List-Unsubscribe: <https://example.com/u/1>\r\n" +
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" +
            "Message-Id: <01m8j01vmaatx2gphqhz6sc4f1@example.com>\r\n" +
            "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "Content-Transfer-Encoding: quoted-printable\r\n" +
            "\r\n" +
            "Line one\r\n" +
            "Line two with =C3=BCmlaut\r\n" +
            "Last line=\r\n",
            Text(prepared));
    }

    [Fact]
    public void Build_WithoutSubject_StoresPinnedOctets_WithAnEmptySubject()
    {
        var prepared = Accept("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"hi\"}");

        Assert.Equal(
            "Received: by submit.test.example (SmtpFunctions) with HTTP id 01m8j01vmaatx2gphqhz6sc4f1;\r\n" +
            "\tSat, 28 Nov 2026 12:00:00 +0000\r\n" +
            "From: a@example.com\r\n" +
            "Subject:\r\n" +
            "To: b@example.net\r\n" +
            "Message-Id: <01m8j01vmaatx2gphqhz6sc4f1@example.com>\r\n" +
            "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "\r\n" +
            "hi\r\n",
            Text(prepared));
    }

    [Fact]
    public void Build_International_StoresPinnedOctets()
    {
        var prepared = Accept("{\"from\":\"Jörg <jörg@bücher.example>\",\"to\":\"zoë@example.net\",\"subject\":\"Grüße\",\"html\":\"<p>Grüße</p>\"}");

        Assert.Equal(
            "Received: by submit.test.example (SmtpFunctions) with HTTP id 01m8j01vmaatx2gphqhz6sc4f1;\r\n" +
            "\tSat, 28 Nov 2026 12:00:00 +0000\r\n" +
            "From: Jörg <jörg@bücher.example>\r\n" +
            "Subject: Grüße\r\n" +
            "To: zoë@example.net\r\n" +
            "Message-Id: <01m8j01vmaatx2gphqhz6sc4f1@xn--bcher-kva.example>\r\n" +
            "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: text/html; charset=utf-8\r\n" +
            "Content-Transfer-Encoding: base64\r\n" +
            "\r\n" +
            "PHA+R3LDvMOfZTwvcD4=\r\n",
            Text(prepared));
    }
}
