using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace SmtpFunctions.Core.Submission;

/// <summary>The <c>Received:</c> trace field each door prepends (RFC 5321 §4.4), worded as Postfix words its own.</summary>
/// <remarks>
/// <c>from EHLO-name ([address])</c>, a <c>(using TLSv1.3 with cipher …)</c> comment for an encrypted connection, then
/// <c>by our-name (SmtpFunctions) with PROTOCOL id message-id; date</c>. The protocol follows the registry of RFC 3848:
/// <c>ESMTP</c> plus <c>S</c> for TLS and <c>A</c> for SMTP AUTH; HTTP submissions say <c>HTTP</c> or <c>HTTPS</c>. Without
/// client details (the privacy option, or a door that knows none) the <c>from</c> clause is left out. No <c>for</c> clause:
/// one stored copy serves every recipient, so naming one would show it to the others.
/// </remarks>
public static class ReceivedHeader
{
    /// <summary>Product comment after the <c>by</c> name.</summary>
    public const string Product = "SmtpFunctions";

    /// <summary>The <c>with</c> keyword for a submission through <paramref name="source"/>.</summary>
    public static string Protocol(SubmissionSource source, SubmissionClient? client)
    {
        var tls = client?.Tls ?? false;
        var authenticated = client?.AuthenticatedUser is { Length: > 0 };
        return source switch
        {
            SubmissionSource.Smtp when client is { Extended: false } => "SMTP",
            SubmissionSource.Smtp => "ESMTP" + (tls ? "S" : "") + (authenticated ? "A" : ""),
            SubmissionSource.HttpJson or SubmissionSource.HttpMime => tls ? "HTTPS" : "HTTP",
            _ => "local",
        };
    }

    /// <summary>Prepends the field to <paramref name="message"/>.</summary>
    public static void Prepend(MimeMessage message, SubmissionSource source, SubmissionClient? client, bool showClient, string byHost, string id, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Headers.Insert(0, Create(source, client, showClient, byHost, id, now));
    }

    /// <summary>The field, folded the way Postfix folds it (each clause on its own tab-indented line).</summary>
    public static Header Create(SubmissionSource source, SubmissionClient? client, bool showClient, string byHost, string id, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(byHost);
        var lines = new List<string>();
        if (showClient && client is not null && FromClause(client) is { } from)
        {
            lines.Add(from);
        }

        if (client is { Tls: true, TlsProtocol: { } protocol } && protocol != SslProtocols.None)
        {
            lines.Add(client.CipherSuite is { } cipher
                ? $"(using {TlsName(protocol)} with cipher {cipher})"
                : $"(using {TlsName(protocol)})");
        }

        lines.Add($"by {byHost} ({Product}) with {Protocol(source, client)} id {id};");
        lines.Add(DateUtils.FormatDate(now));

        var raw = new StringBuilder();
        for (var i = 0; i < lines.Count; i++)
        {
            raw.Append(i == 0 ? " " : "\t").Append(lines[i]).Append("\r\n");
        }

        var header = new Header(HeaderId.Received, "");
        header.SetRawValue(Encoding.ASCII.GetBytes(raw.ToString()));
        return header;
    }

    private static string? FromClause(SubmissionClient client)
    {
        var literal = client.Address is { } address ? AddressLiteral(address) : null;
        var helo = client.HeloName is { Length: > 0 } name && IsPrintableToken(name) ? name : null;
        return (helo, literal) switch
        {
            (null, null) => null,
            (null, { } ip) => $"from {ip} ({ip})",
            ({ } h, null) => $"from {h}",
            ({ } h, { } ip) => $"from {h} ({ip})",
        };
    }

    // RFC 5321 §4.1.3: [192.0.2.1], [IPv6:2001:db8::1]; an IPv4 client seen through a dual-stack socket is shown as IPv4.
    private static string AddressLiteral(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[IPv6:{address}]" : $"[{address}]";
    }

    // The EHLO argument is the client's to choose: only a plain token goes into the header (no spaces, parentheses,
    // semicolons or control characters that could forge a clause or break the line).
    private static bool IsPrintableToken(string value) =>
        value.Length <= 255 && value.All(c => c is > ' ' and < '\u007f' and not '(' and not ')' and not ';');

    // Only what a current connection can use is named; anything older reads as plain "TLS".
    private static string TlsName(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => "TLS",
    };
}
