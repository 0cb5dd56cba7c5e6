using System.Net.Security;
using MailKit.Net.Smtp;
using MimeKit;

namespace SmtpFunctions.Core.Delivery;

/// <summary>
/// MailKit's client, told to keep going past rejected recipients (collecting each one's reply) and to send the stored
/// message exactly as stored.
/// </summary>
/// <remarks>
/// MailKit throws at the first rejected RCPT by default; a transaction with several recipients must record each one
/// (RFC 5321 §3.3: a 5yz to one RCPT does not end the transaction). <c>Prepare</c> is skipped because the stored MIME
/// is already in its final transfer form (submission prepared it; DKIM signatures cover it), unless the peer lacks
/// 8BITMIME for an 8-bit body (RFC 6152 §3), where downgrading is the only correct choice.
/// </remarks>
internal sealed class DeliverySmtpClient : SmtpClient
{
    private readonly Dictionary<string, DeliveryReply> _rejected = new(StringComparer.OrdinalIgnoreCase);
    private long _size;
    private bool _downgrade;

    /// <summary>Creates a client over <paramref name="deadlines"/>, whose reply tracker is the client's protocol logger.</summary>
    public DeliverySmtpClient(SmtpDeadlineStream deadlines)
        : base(deadlines.Tracker)
    {
        Deadlines = deadlines;
    }

    /// <summary>The connection, with its deadlines and what went wrong on it.</summary>
    public SmtpDeadlineStream Deadlines { get; }

    /// <summary>Rejected recipients of the current transaction and their replies.</summary>
    public IReadOnlyDictionary<string, DeliveryReply> Rejected => _rejected;

    /// <summary>Recipients of the current transaction the peer accepted.</summary>
    public int Accepted { get; private set; }

    /// <summary>What went wrong with the certificate, if anything (filled by the validation callback).</summary>
    public SslPolicyErrors CertificateErrors { get; set; }

    /// <summary>Chain status text for the record (untrusted root, expired, …).</summary>
    public string? CertificateProblem { get; set; }

    /// <summary>Starts a new transaction's bookkeeping.</summary>
    public void BeginTransaction(long size, bool downgradeTo7Bit)
    {
        _rejected.Clear();
        _size = size;
        _downgrade = downgradeTo7Bit;
        Accepted = 0;
    }

    /// <summary>Sends RSET so a session whose transaction failed half-way can be reused.</summary>
    public Task ResetTransactionAsync(CancellationToken cancellationToken) => SendCommandAsync("RSET", cancellationToken);

    /// <inheritdoc />
    protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        base.OnRecipientAccepted(message, mailbox, response);
        Accepted++;
    }

    /// <inheritdoc />
    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        _rejected[mailbox.Address] = FailureClassifier.FromRecipientResponse(response);
    }

    /// <inheritdoc />
    protected override void OnNoRecipientsAccepted(MimeMessage message) => throw new NoRecipientsAcceptedException();

    /// <inheritdoc />
    protected override void Prepare(FormatOptions options, MimeMessage message, EncodingConstraint constraint, int maxLineLength)
    {
        if (_downgrade)
        {
            base.Prepare(options, message, EncodingConstraint.SevenBit, maxLineLength);
        }
    }

    /// <inheritdoc />
    protected override long GetSize(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) =>
        _downgrade ? base.GetSize(options, message, cancellationToken) : _size;

    /// <inheritdoc />
    protected override Task<long> GetSizeAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) =>
        _downgrade ? base.GetSizeAsync(options, message, cancellationToken) : Task.FromResult(_size);
}
