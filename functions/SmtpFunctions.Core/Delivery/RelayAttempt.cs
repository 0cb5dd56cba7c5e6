using MimeKit;

namespace SmtpFunctions.Core.Delivery;

/// <summary>
/// One delivery attempt's bookkeeping across the exchangers it tries: which recipients are settled (delivered or
/// failed for good), which are still pending and the most hopeful reply each got so far, and the limits spent.
/// </summary>
/// <remarks>
/// Postfix's rule (<c>smtp_trouble.c</c>): a transient failure, whether of the session, the transaction or one
/// recipient, keeps the recipient for the next exchanger; a permanent answer to the transaction or the recipient
/// settles it. Session-level failures (connection, greeting, handshake) never settle: the next exchanger may well take
/// the mail, and what the recipient finally gets is the most hopeful reply of all the exchangers tried.
/// </remarks>
internal sealed class RelayAttempt
{
    private readonly Dictionary<string, DeliveryReply> _settled = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, DeliveryReply> _kept = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<PendingRecipient> _pending = [];
    private readonly HashSet<string> _unconfirmed = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Starts an attempt for <paramref name="recipients"/>; addresses that do not parse are failed at once (5.1.3).</summary>
    public RelayAttempt(IEnumerable<string> recipients, ParserOptions parser)
    {
        foreach (var address in recipients.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (MailboxAddress.TryParse(parser, address, out var mailbox))
            {
                _pending.Add(new PendingRecipient(address, mailbox));
            }
            else
            {
                _settled[address] = FailureClassifier.Permanent("5.1.3", $"bad recipient address syntax: {address}");
            }
        }
    }

    /// <summary>Recipients not settled yet, in request order.</summary>
    public IReadOnlyList<PendingRecipient> Pending => _pending;

    /// <summary>Sessions used (cached or new, past the greeting and handshake).</summary>
    public int Sessions { get; set; }

    /// <summary>Exchanger addresses connected to (or tried).</summary>
    public int Addresses { get; set; }

    /// <summary>The last peer spoken to (or tried), for the record.</summary>
    public string? Peer { get; set; }

    /// <summary>Whether the last session used TLS; null when no session was opened.</summary>
    public bool? Tls { get; set; }

    /// <summary>The last session's TLS details.</summary>
    public string? TlsDetails { get; set; }

    /// <summary>A definitive outcome for <paramref name="recipient"/> (delivered or permanent); a transient one is kept.</summary>
    public void Record(PendingRecipient recipient, DeliveryReply reply)
    {
        if (reply.Kind == ReplyKind.Transient)
        {
            Keep(recipient, reply);
            return;
        }

        _settled[recipient.Address] = reply;
        _kept.Remove(recipient.Address);
        _pending.Remove(recipient);
    }

    /// <summary>Every pending recipient gets this definitive outcome (SMTPUTF8 or SIZE refused, sender unusable).</summary>
    public void SettleAll(DeliveryReply reply)
    {
        foreach (var recipient in _pending.ToList())
        {
            _settled[recipient.Address] = reply;
            _kept.Remove(recipient.Address);
        }

        _pending.Clear();
    }

    /// <summary>Keeps <paramref name="recipient"/> pending for the next exchanger, remembering the more hopeful reply.</summary>
    public void Keep(PendingRecipient recipient, DeliveryReply reply) =>
        _kept[recipient.Address] = FailureClassifier.MoreHopeful(_kept.GetValueOrDefault(recipient.Address), reply);

    /// <summary>A session-level failure: every pending recipient stays pending, with the more hopeful reply remembered.</summary>
    public void KeepAll(DeliveryReply reply)
    {
        foreach (var recipient in _pending)
        {
            Keep(recipient, reply);
        }
    }

    /// <summary>Gives the pending recipients that have no reply yet this one (the attempt stopped before reaching them).</summary>
    public void KeepWhereUnanswered(DeliveryReply reply)
    {
        foreach (var recipient in _pending.Where(r => !_kept.ContainsKey(r.Address)))
        {
            _kept[recipient.Address] = reply;
        }
    }

    /// <summary>The message went out in full to <paramref name="recipient"/> without a reply to the final dot.</summary>
    public void Unconfirmed(PendingRecipient recipient) => _unconfirmed.Add(recipient.Address);

    /// <summary>The outcome: settled replies, and for the recipients still pending their most hopeful reply (or <paramref name="unreached"/>).</summary>
    public RelayResult ToResult(DeliveryReply unreached)
    {
        var replies = new Dictionary<string, DeliveryReply>(_settled, StringComparer.OrdinalIgnoreCase);
        foreach (var recipient in _pending)
        {
            replies[recipient.Address] = _kept.GetValueOrDefault(recipient.Address) ?? unreached;
        }

        return new RelayResult(replies, Peer, Tls, TlsDetails) { UnconfirmedRecipients = [.. _unconfirmed] };
    }
}
