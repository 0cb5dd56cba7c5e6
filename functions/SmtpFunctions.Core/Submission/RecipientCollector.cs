using MimeKit;

namespace SmtpFunctions.Core.Submission;

/// <summary>Collects envelope recipients from any door: parses, collapses duplicates, enforces the per-message limit.</summary>
/// <remarks>
/// The cost is bounded before any per-address work: an entry spelled exactly as an earlier one (ignoring case) is skipped
/// without parsing, parsing stops as soon as the distinct addresses exceed the limit, and no more distinct spellings are
/// parsed than <see cref="SpellingsPerRecipient"/> per allowed recipient. So 20,000 entries cost at most a few hundred
/// parses and a hash lookup each, whatever they hold. Header lists are filled once, at the end (MimeKit re-serialises the
/// whole field on every single add, which made a long list quadratic).
/// </remarks>
internal sealed class RecipientCollector(int maxRecipients)
{
    // One recipient may reasonably be spelled two ways in one request ("bob@example.net" in To, "Bob <bob@example.net>"
    // in Bcc); more distinct spellings than that per allowed recipient cannot make a message within the limit.
    private const int SpellingsPerRecipient = 2;

    private readonly List<EnvelopeAddress> _recipients = [];
    private readonly HashSet<string> _seen = new(EnvelopeAddress.Comparer);
    private readonly HashSet<string> _spellings = new(StringComparer.OrdinalIgnoreCase);
    private bool _overLimit;

    public List<FieldError> Errors { get; } = [];

    public IReadOnlyList<EnvelopeAddress> Recipients => _recipients;

    /// <summary>
    /// Adds entries given as text (JSON). When <paramref name="header"/> is given, each address not already shown in a
    /// header is added to it once, with the first spelling seen: a request naming one address 10,000 times shows it once.
    /// </summary>
    public void AddInputs(string field, IReadOnlyList<string>? inputs, List<MailboxAddress>? header = null)
    {
        if (inputs is null)
        {
            return;
        }

        for (var i = 0; i < inputs.Count && !_overLimit; i++)
        {
            if (!NewSpelling(field, inputs[i]))
            {
                continue;
            }

            if (AddressRules.TryParseMailbox(inputs[i], out var mailbox, out var problem))
            {
                if (Add(field, AddressRules.ToEnvelope(mailbox!)))
                {
                    header?.Add(mailbox!);
                }
            }
            else
            {
                Errors.Add(new FieldError($"{field}[{i}]", problem!));
            }
        }
    }

    /// <summary>Adds the mailboxes of a header the message already has (raw MIME without an explicit envelope).</summary>
    public void AddHeader(string field, InternetAddressList list)
    {
        foreach (var mailbox in list.Mailboxes)
        {
            if (_overLimit)
            {
                return;
            }

            if (!NewSpelling(field, mailbox.Address))
            {
                continue;
            }

            if (AddressRules.TryParseMailbox(mailbox.ToString(), out var checkedMailbox, out var problem))
            {
                Add(field, AddressRules.ToEnvelope(checkedMailbox!));
            }
            else
            {
                Errors.Add(new FieldError(field, problem!));
            }
        }
    }

    /// <summary>Adds envelope recipients (SMTP RCPT TO, a DSN's recipient).</summary>
    public void AddEnvelope(string field, IReadOnlyList<string> recipients)
    {
        for (var i = 0; i < recipients.Count && !_overLimit; i++)
        {
            if (!NewSpelling(field, recipients[i]))
            {
                continue;
            }

            if (AddressRules.TryParseEnvelope(recipients[i], out var address, out var problem))
            {
                Add(field, address!);
            }
            else
            {
                Errors.Add(new FieldError($"{field}[{i}]", problem!));
            }
        }
    }

    public void CheckCount(string field)
    {
        if (_recipients.Count == 0 && Errors.Count == 0)
        {
            Errors.Add(new FieldError(field, "at least one recipient is required (to, cc or bcc)"));
        }
    }

    // False for a repeat of an earlier spelling, which adds nothing; refuses the request once the spellings alone show
    // that it cannot be within the limit.
    private bool NewSpelling(string field, string? input)
    {
        if (!_spellings.Add(input?.Trim() ?? ""))
        {
            return false;
        }

        if (_spellings.Count > maxRecipients * SpellingsPerRecipient)
        {
            OverLimit(field, $"more than {maxRecipients * SpellingsPerRecipient} different addresses given; at most {maxRecipients} distinct recipients are allowed per message");
            return false;
        }

        return true;
    }

    private bool Add(string field, EnvelopeAddress address)
    {
        if (!_seen.Add(address.Address))
        {
            return false;
        }

        _recipients.Add(address);
        if (_recipients.Count > maxRecipients)
        {
            OverLimit(field, $"at least {_recipients.Count} distinct recipients; at most {maxRecipients} are allowed per message");
        }

        return true;
    }

    private void OverLimit(string field, string detail)
    {
        _overLimit = true;
        Errors.Add(new FieldError(field, detail));
    }
}
