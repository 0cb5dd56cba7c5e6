using System.Text;

namespace SmtpFunctions.Core.Tests.Delivery;

/// <summary>Stored messages with the features that re-encoding would break.</summary>
internal static class TestMessages
{
    /// <summary>Folded and oddly spaced headers, a dot-led line, a multipart with preamble and epilogue, base64, 8-bit UTF-8.</summary>
    public static byte[] Tricky { get; } = Encoding.UTF8.GetBytes(string.Join("\r\n",
        "Received: from client.sender.test (client.sender.test [192.0.2.1])",
        "\tby mta.sender.test; Sat, 28 Nov 2026 12:00:00 +0000",
        "From: Sender  <sender@sender.test>",
        "To: rcpt@example.net,",
        "    other@example.net",
        "Subject:   spaced   =?utf-8?q?caf=C3=A9?=  ",
        "Date: Sat, 28 Nov 2026 12:00:00 +0000",
        "Message-ID: <tricky@sender.test>",
        "X-Odd:value-without-space",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"b1\"",
        "",
        "preamble text",
        "--b1",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        "Grüße aus Köln",
        ".a line starting with a dot",
        "..and two dots",
        ".",
        "trailing spaces   ",
        "--b1",
        "Content-Type: application/octet-stream",
        "Content-Transfer-Encoding: base64",
        "",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",
        "--b1--",
        "epilogue",
        ""));

    /// <summary>A plain 7-bit message.</summary>
    public static byte[] Simple { get; } = Encoding.ASCII.GetBytes(
        "From: sender@sender.test\r\nTo: rcpt@example.net\r\nSubject: hi\r\nMessage-ID: <simple@sender.test>\r\n\r\nHello.\r\n");
}
