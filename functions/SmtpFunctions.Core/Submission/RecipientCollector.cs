using MimeKit;

namespace SmtpFunctions.Core.Submission;

/// <summary>Collects envelope recipients from any door: parses, collapses duplicates, enforces the per-message limit.</summary>
internal sealed class RecipientCollector(int maxRecipients)
{
    private readonly List<EnvelopeAddress> _recipients = [];
    private readonly HashSet<string> _seen = new(EnvelopeAddress.Comparer);

    public List<FieldError> Errors { get; } = [];

    public IReadOnlyList<EnvelopeAddress> Recipients => _recipients;

    public void AddInputs(string field, IReadOnlyList<string>? inputs, InternetAddressList? header = null)
    {
        if (inputs is null)
        {
            return;
        }

        for (var i = 0; i < inputs.Count; i++)
        {
            if (AddressRules.TryParseMailbox(inputs[i], out var mailbox, out var problem))
            {
                header?.Add(mailbox!);
                Add(mailbox!);
            }
            else
            {
                Errors.Add(new FieldError($"{field}[{i}]", problem!));
            }
        }
    }

    public void AddHeader(string field, InternetAddressList list)
    {
        foreach (var mailbox in list.Mailboxes)
        {
            if (AddressRules.TryParseMailbox(mailbox.ToString(), out var checkedMailbox, out var problem))
            {
                Add(checkedMailbox!);
            }
            else
            {
                Errors.Add(new FieldError(field, problem!));
            }
        }
    }

    public void Add(MailboxAddress mailbox) => AddEnvelope(AddressRules.ToEnvelope(mailbox));

    public void AddEnvelope(EnvelopeAddress address)
    {
        if (_seen.Add(address.Address))
        {
            _recipients.Add(address);
        }
    }

    public void CheckCount(string field)
    {
        if (_recipients.Count == 0 && Errors.Count == 0)
        {
            Errors.Add(new FieldError(field, "at least one recipient is required (to, cc or bcc)"));
        }
        else if (_recipients.Count > maxRecipients)
        {
            Errors.Add(new FieldError(field, $"{_recipients.Count} distinct recipients; at most {maxRecipients} are allowed per message"));
        }
    }
}
