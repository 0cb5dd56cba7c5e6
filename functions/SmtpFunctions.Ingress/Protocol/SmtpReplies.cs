using System.Text;
using SmtpServer.Protocol;

namespace SmtpFunctions.Ingress.Protocol;

/// <summary>Builds SmtpServer replies with an enhanced status code, and keeps their text one clean ASCII line.</summary>
public static class SmtpReplies
{
    private const int MaxText = 400;

    /// <summary>A reply <c>code enhanced text</c>.</summary>
    public static SmtpResponse Reply(int code, string enhanced, string text) =>
        new((SmtpReplyCode)code, $"{enhanced} {Clean(text)}");

    /// <summary>A reply that SmtpServer sends and then closes the connection after.</summary>
    public static SmtpResponseException Closing(int code, string enhanced, string text) => new(Reply(code, enhanced, text), quit: true);

    /// <summary>A reply that refuses one command and keeps the session.</summary>
    public static SmtpResponseException Refusal(int code, string enhanced, string text) => new(Reply(code, enhanced, text), quit: false);

    /// <summary>Printable ASCII only (a reply is one line, RFC 5321 §4.2), at most a few hundred characters.</summary>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(Math.Min(text.Length, MaxText));
        foreach (var c in text)
        {
            if (builder.Length == MaxText)
            {
                break;
            }

            builder.Append(c is >= ' ' and <= '~' ? c : c is '\r' or '\n' or '\t' ? ' ' : '?');
        }

        return builder.ToString();
    }
}
