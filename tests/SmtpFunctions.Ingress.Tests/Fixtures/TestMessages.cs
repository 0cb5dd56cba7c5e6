using System.Text.RegularExpressions;

namespace SmtpFunctions.Ingress.Tests.Fixtures;

/// <summary>Messages and reply parsing shared by the end-to-end tests.</summary>
public static partial class TestMessages
{
    /// <summary>A small valid message with a unique subject.</summary>
    public static string Simple(string from, string to, string subject, string body = "Hello.") =>
        $"From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@client.test>\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\n{body}\r\n";

    /// <summary>The message id in a <c>250 2.0.0 Ok: queued as ID</c> reply, or null.</summary>
    public static string? QueuedId(string text)
    {
        var match = Queued().Match(text);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"250 2\.0\.0 Ok: queued as ([0-9a-z]+)")]
    private static partial Regex Queued();
}
