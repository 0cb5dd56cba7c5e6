namespace SmtpFunctions.Core.Delivery;

/// <summary>An open, greeted (and possibly TLS-protected and authenticated) SMTP session to one peer.</summary>
internal sealed class SmtpSession(DeliverySmtpClient client, string destinationKey, string peer, DateTimeOffset openedAt) : IAsyncDisposable
{
    /// <summary>The MailKit client.</summary>
    public DeliverySmtpClient Client { get; } = client;

    /// <summary>Connection-cache key of the destination (MX set or smart host).</summary>
    public string DestinationKey { get; } = destinationKey;

    /// <summary>The peer as Postfix logs it: <c>host[address]:port</c>.</summary>
    public string Peer { get; } = peer;

    /// <summary>When the connection was opened.</summary>
    public DateTimeOffset OpenedAt { get; } = openedAt;

    /// <summary>When it was last handed back idle.</summary>
    public DateTimeOffset IdleSince { get; set; } = openedAt;

    /// <summary>Messages sent over it so far.</summary>
    public int Messages { get; set; }

    /// <summary>TLS protocol, cipher and any certificate problem accepted, or null without TLS.</summary>
    public string? TlsDetails { get; set; }

    /// <summary>True when the session runs over TLS.</summary>
    public bool IsSecure => Client.IsSecure;

    /// <summary>The connection's deadlines (stage, attempt budget, what went wrong).</summary>
    public SmtpDeadlineStream Deadlines => Client.Deadlines;

    /// <summary>Says QUIT (politely, briefly) and closes.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Client.IsConnected)
            {
                // Whatever budget the attempt had left, saying goodbye gets its own few seconds.
                Deadlines.EndAttempt();
                using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await Client.DisconnectAsync(quit: true, quit.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or MailKit.Net.Smtp.SmtpProtocolException
            or MailKit.Net.Smtp.SmtpCommandException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // The peer went first; nothing to say goodbye to.
        }
        finally
        {
            Client.Dispose();
        }
    }
}
