using System.Net;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace SmtpFunctions.Testing.Tests.Clients;

/// <summary>MailKit's client recording each rejected recipient instead of throwing at the first one.</summary>
public sealed class RecordingSmtpClient : SmtpClient
{
    private readonly List<(string Address, SmtpResponse Response)> _rejected = [];

    /// <summary>Recipients the server refused, with its reply.</summary>
    public IReadOnlyList<(string Address, SmtpResponse Response)> Rejected => _rejected;

    /// <summary>Connects to a test peer, trusting exactly <paramref name="expectedThumbprint"/> (or none) for STARTTLS.</summary>
    public static async Task<RecordingSmtpClient> ConnectAsync(IPEndPoint endPoint, SecureSocketOptions security = SecureSocketOptions.None, string? expectedThumbprint = null)
    {
        var client = new RecordingSmtpClient { LocalDomain = "client.test" };
        client.ServerCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == expectedThumbprint;
        await client.ConnectAsync(endPoint.Address.ToString(), endPoint.Port, security);
        return client;
    }

    /// <inheritdoc />
    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        _rejected.Add((mailbox.Address, response));
    }
}
