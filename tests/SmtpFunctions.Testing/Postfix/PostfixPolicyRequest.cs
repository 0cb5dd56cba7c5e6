namespace SmtpFunctions.Testing.Postfix;

/// <summary>One question from Postfix's SMTP server to a policy service: the name=value attributes of the policy protocol.</summary>
/// <remarks>Attribute names are those of Postfix's SMTPD_POLICY_README (request, protocol_state, sender, recipient…).</remarks>
public sealed class PostfixPolicyRequest
{
    /// <summary>Wraps the attributes as received.</summary>
    public PostfixPolicyRequest(IReadOnlyDictionary<string, string> attributes)
    {
        Attributes = attributes;
    }

    /// <summary>Every attribute sent.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; }

    /// <summary>RCPT, DATA or END-OF-MESSAGE (or CONNECT, EHLO, MAIL where configured).</summary>
    public string ProtocolState => Get("protocol_state");

    /// <summary>Envelope sender (empty for the null sender).</summary>
    public string Sender => Get("sender");

    /// <summary>Envelope recipient being checked (at RCPT), or the last one.</summary>
    public string Recipient => Get("recipient");

    /// <summary>Number of recipients accepted so far (at DATA and END-OF-MESSAGE).</summary>
    public string RecipientCount => Get("recipient_count");

    /// <summary>The SMTP client's IP address.</summary>
    public string ClientAddress => Get("client_address");

    /// <summary>EHLO/HELO name given by the client.</summary>
    public string HeloName => Get("helo_name");

    /// <summary>Identifies the mail transaction: the same for every request of one message.</summary>
    public string Instance => Get("instance");

    /// <summary>Message size (SIZE= at MAIL, actual at END-OF-MESSAGE).</summary>
    public string Size => Get("size");

    /// <summary>An attribute or the empty string.</summary>
    public string Get(string name) => Attributes.TryGetValue(name, out var value) ? value : string.Empty;

    /// <inheritdoc />
    public override string ToString() => $"{ProtocolState} from=<{Sender}> to=<{Recipient}> client={ClientAddress} instance={Instance}";
}
