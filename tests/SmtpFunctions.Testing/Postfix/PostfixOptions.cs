using System.Net;
using SmtpFunctions.Testing.Tls;

namespace SmtpFunctions.Testing.Postfix;

/// <summary>How a <see cref="PostfixInstance"/> is set up: where it listens, which mail it takes and where that mail goes.</summary>
/// <remarks>
/// The roles combine: mail for <see cref="MailboxDomains"/> is delivered locally (Maildir, or Dovecot over LMTP when
/// <see cref="LmtpDestination"/> is set); with <see cref="RelayHost"/> set, mail for any other domain is relayed there.
/// Without a relay host the instance is a pure final destination: other domains get <c>554 5.7.1 Relay access denied</c>.
/// </remarks>
public sealed class PostfixOptions
{
    /// <summary>Reply used by <see cref="RejectRecipient"/> unless told otherwise (Postfix prefixes the address).</summary>
    public const string UserUnknownReply = "550 5.1.1 User unknown";

    /// <summary><c>myhostname</c>: the greeting, EHLO reply and <c>Received:</c> name. Default <c>mx.peer.test</c>.</summary>
    public string HostName { get; set; } = "mx.peer.test";

    /// <summary>Address smtpd listens on; default a fresh random 127.a.b.c from <c>LoopbackAddresses</c>.</summary>
    public IPAddress? Address { get; set; }

    /// <summary>Port smtpd listens on; default a free port on <see cref="Address"/>.</summary>
    public int? Port { get; set; }

    /// <summary>Domains this instance is the final destination for (<c>virtual_mailbox_domains</c>).</summary>
    public ISet<string> MailboxDomains { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Addresses with a mailbox. Each gets its own Maildir under <see cref="PostfixInstance.MailDirectory"/>.</summary>
    public ISet<string> Mailboxes { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// True (default): any local part in a <see cref="MailboxDomains"/> domain is accepted and gets its own Maildir.
    /// False: only <see cref="Mailboxes"/> are accepted; anyone else gets Postfix's
    /// <c>550 5.1.1 … User unknown in virtual mailbox table</c>.
    /// </summary>
    public bool AcceptUnknownRecipients { get; set; } = true;

    /// <summary>Recipients rejected at RCPT (access map) with the reply given, e.g. <see cref="UserUnknownReply"/>.</summary>
    public IDictionary<string, string> RejectedRecipients { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>When set, mail for <see cref="MailboxDomains"/> is handed to this LMTP server (Dovecot) instead of a Maildir.</summary>
    public IPEndPoint? LmtpDestination { get; set; }

    /// <summary>When set, mail for other domains is relayed to this host (<c>relayhost = [addr]:port</c>), and loopback clients may relay.</summary>
    public IPEndPoint? RelayHost { get; set; }

    /// <summary>When set, STARTTLS is offered with this certificate; when null, STARTTLS is not offered at all.</summary>
    public TestCertificate? TlsCertificate { get; set; }

    /// <summary><c>smtputf8_enable</c>: announce SMTPUTF8 (RFC 6531). Default true.</summary>
    public bool SmtpUtf8 { get; set; } = true;

    /// <summary><c>message_size_limit</c> in bytes, announced with SIZE; null keeps Postfix's 10,240,000.</summary>
    public long? MessageSizeLimit { get; set; }

    /// <summary>EHLO keywords smtpd hides (<c>smtpd_discard_ehlo_keywords</c>): pipelining, 8bitmime, size, dsn, chunking, smtputf8…</summary>
    public ISet<string> DiscardedEhloKeywords { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A scripted policy (Postfix's <c>check_policy_service</c>) asked at RCPT, DATA and end of DATA. It returns an
    /// access(5) action: <c>DUNNO</c> to go on, <c>451 4.7.1 text</c>, <c>550 5.7.1 text</c>, or <c>421 4.7.0 text</c>
    /// (reply, then disconnect). See <see cref="PostfixPolicies"/> for ready-made ones.
    /// </summary>
    public Func<PostfixPolicyRequest, string>? Policy { get; set; }

    /// <summary>Any other <c>main.cf</c> parameter, written last so it wins (e.g. <c>smtpd_client_connection_count_limit</c>).</summary>
    public IDictionary<string, string> MainCf { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>How long to wait for the daemon to listen and log its start. Default 30 s.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Adds <paramref name="address"/> to <see cref="RejectedRecipients"/>.</summary>
    public PostfixOptions RejectRecipient(string address, string reply = UserUnknownReply)
    {
        RejectedRecipients[address] = reply;
        return this;
    }
}
