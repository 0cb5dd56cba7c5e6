using System.Globalization;
using System.Net.Sockets;
using DnsClient;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace SmtpFunctions.Core.Delivery;

/// <summary>
/// The one place that turns SMTP replies, network, TLS and DNS failures into <see cref="DeliveryReply"/> outcomes
/// (transient or permanent); nothing else reads reply text.
/// </summary>
/// <remarks>
/// Reply classes from RFC 5321 §4.2.1 (2yz done, 4yz transient, 5yz permanent); enhanced status codes from RFC 3463 §2;
/// DNS rules from RFC 5321 §5.1 (NXDOMAIN permanent, lookup failure transient) and RFC 7505 (null MX, 5.1.10).
/// </remarks>
public static class FailureClassifier
{
    /// <summary>Classifies an SMTP reply by its code, taking the enhanced status code from the text when present.</summary>
    public static DeliveryReply FromReply(int code, string? text)
    {
        var kind = code switch
        {
            >= 200 and < 400 => ReplyKind.Success,
            >= 400 and < 500 => ReplyKind.Transient,
            _ => ReplyKind.Permanent,
        };
        var body = (text ?? "").Trim();
        var enhanced = ParseEnhancedCode(body);
        if (enhanced is null || enhanced[0] != ClassDigit(kind))
        {
            // A missing or inconsistent enhanced code: the basic code wins (RFC 3463 §2), with the generic detail.
            enhanced = kind switch
            {
                ReplyKind.Success => "2.0.0",
                ReplyKind.Transient => "4.0.0",
                _ => "5.0.0",
            };
        }
        else
        {
            body = body[enhanced.Length..].TrimStart();
        }

        return new DeliveryReply(kind, code, enhanced, body);
    }

    /// <summary>Classifies a reply MailKit handed to a callback.</summary>
    public static DeliveryReply FromResponse(SmtpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return FromReply((int)response.StatusCode, response.Response);
    }

    /// <summary>Classifies a peer's reply to one RCPT TO: it concerns that recipient only (<see cref="DeliveryReply.RecipientLevel"/>).</summary>
    /// <remarks>
    /// A 552 to RCPT is taken as 452 (transient), as RFC 5321 §4.5.3.1.10 asks ("RFC 821 incorrectly listed" 552 for
    /// too many recipients) and Postfix does: the class digit of the enhanced code follows.
    /// </remarks>
    public static DeliveryReply FromRecipientResponse(SmtpResponse response)
    {
        var reply = FromResponse(response) with { RecipientLevel = true };
        return reply.Code == 552 ? reply with { Kind = ReplyKind.Transient, Code = 452, EnhancedCode = "4" + reply.EnhancedCode[1..] } : reply;
    }

    /// <summary>
    /// True when a reply to RCPT says the transaction holds no more recipients (452, RFC 5321 §4.5.3.1.8 and
    /// §4.5.3.1.10; a 552 was already turned into one): when the peer accepted others in the same transaction, the rest
    /// go in a new transaction at once.
    /// </summary>
    public static bool IsRecipientLimit(DeliveryReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return reply is { RecipientLevel: true, Code: 452 };
    }

    /// <summary>
    /// Classifies a greeting that is not 220. A 5xx greeting is taken as transient and the next MX is tried, like
    /// Postfix's <c>smtp_skip_5xx_greeting = yes</c>: one exchanger refusing to talk says nothing about the others.
    /// </summary>
    public static DeliveryReply FromGreeting(int code, string? text)
    {
        var reply = FromReply(code, text);
        return reply.Kind == ReplyKind.Permanent ? reply with { Kind = ReplyKind.Transient, EnhancedCode = "4" + reply.EnhancedCode[1..] } : reply;
    }

    /// <summary>
    /// The better of two outcomes for the same recipients from different exchangers (the most hopeful one wins, not the
    /// last one): delivered over transient over permanent; among transient ones a peer's 4xx over a 5xx greeting taken
    /// as transient over a local condition (connection refused, timeout); between equals the later one.
    /// </summary>
    public static DeliveryReply MoreHopeful(DeliveryReply? best, DeliveryReply candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        if (best is null)
        {
            return candidate;
        }

        var rank = Hope(candidate).CompareTo(Hope(best));
        return rank >= 0 ? candidate : best;
    }

    /// <summary>
    /// True when a permanent failure says the address itself cannot receive mail, so later mail to it should not be sent
    /// (the suppression list): the mailbox or the address's domain does not exist, will never accept mail, or is gone.
    /// </summary>
    /// <remarks>
    /// Decided on the RFC 3463 enhanced status code, because the basic code cannot tell a mailbox from a policy
    /// refusal (RFC 5321 §4.2.3 lists "mailbox not found" and "command rejected for policy reasons" both under 550):
    /// <list type="bullet">
    /// <item>5.1.1 bad destination mailbox address (unknown user), 5.1.3 bad destination address syntax, 5.1.6
    /// mailbox moved with no forwarding address: the mailbox does not exist and will not (RFC 3463 §3.2).</item>
    /// <item>5.1.2 bad destination system address: "the address portion to the right of the @ is invalid for mail",
    /// defined as "only useful for permanent failures" (§3.2); we also report NXDOMAIN with it.</item>
    /// <item>5.1.10 the domain publishes a null MX (RFC 7505 §3) — and Microsoft 365 uses it for "recipient not found".</item>
    /// <item>5.2.1 mailbox disabled, not accepting messages (§3.3): given as a 5xx it is the receiver saying for good.</item>
    /// </list>
    /// Not suppressed: 5.1.0 and 5.1.4 (no statement that the mailbox is absent), sender problems (5.1.7, 5.1.8), a full
    /// mailbox (5.2.2 is "a persistent transient failure", §3.3), size, system, network, protocol and content failures
    /// (X.2.3, X.3, X.4, X.5, X.6), policy refusals (X.7: they judge the message or the sender, not the address), a bare
    /// 5.0.0 (a reply without an enhanced code says nothing about the mailbox), and expiry (never a reply at all).
    /// </remarks>
    public static bool Suppresses(DeliveryReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return reply.Kind == ReplyKind.Permanent && reply.EnhancedCode is "5.1.1" or "5.1.2" or "5.1.3" or "5.1.6" or "5.1.10" or "5.2.1";
    }

    /// <summary>
    /// True when a peer's transient reply asks us to slow down towards its whole destination (pacing backs off every job
    /// for it) rather than speaking of one recipient.
    /// </summary>
    /// <remarks>
    /// A 421 at any stage: the server is closing the channel, "service not available" (RFC 5321 §3.8, §4.2.3) — how
    /// large providers rate-limit (<c>421 4.7.0 Try again later</c>, <c>421 4.7.28</c>). A 4.7.x (security or policy
    /// status, RFC 3463 §3.8) refusing the session or the whole transaction (greeting, EHLO, MAIL FROM, DATA): a verdict on
    /// us as a sender. Not a 4.7.x given to one RCPT: that is the recipient's, as greylisting is per
    /// (client, sender, recipient) triplet (RFC 6647 §2.1), and follows the normal retry schedule. Local conditions
    /// (no reply code, e.g. TLS required but not offered) never throttle.
    /// </remarks>
    public static bool IsThrottling(DeliveryReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return reply is { Kind: ReplyKind.Transient, Code: { } code }
            && (code == 421 || (reply.EnhancedCode.StartsWith("4.7.", StringComparison.Ordinal) && !reply.RecipientLevel));
    }

    /// <summary>
    /// A job was not attempted because its destination is paced or backing off, and its queue lifetime ran out meanwhile:
    /// "mail system congestion" (RFC 3463 §3.5, X.4.5), to be reported as expired.
    /// </summary>
    public static DeliveryReply Congested(string destination) =>
        Transient("4.4.5", $"delivery to {destination} was held back by pacing (throttled or at its session limit)");

    /// <summary>Classifies any failure of a session: an SMTP reply in an exception, a dropped connection, TLS, a timeout.</summary>
    public static DeliveryReply FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            SmtpCommandException command => FromReply((int)command.StatusCode, command.Message),
            SmtpProtocolException protocol => Transient("4.4.2", $"lost connection or protocol error: {Describe(protocol)}"),
            // MailKit's own message is a page of generic advice; what the TLS stack said is underneath.
            SslHandshakeException tls => Transient("4.7.5", $"TLS handshake failed: {(tls.InnerException ?? tls).GetBaseException().Message}"),
            MailKit.Security.AuthenticationException auth => Transient("4.7.0", $"SMTP authentication failed: {auth.Message}"),
            System.Security.Authentication.AuthenticationException tls => Transient("4.7.5", $"TLS handshake failed: {Describe(tls)}"),
            SocketException socket => FromSocket(socket),
            TimeoutException => Transient("4.4.2", "timed out waiting for the peer"),
            OperationCanceledException => Transient("4.4.2", "timed out waiting for the peer"),
            IOException io when FindInner<SocketException>(io) is { } socket => FromSocket(socket, "lost connection: "),
            IOException io => Transient("4.4.2", $"lost connection: {io.Message}"),
            _ => Transient("4.0.0", $"{exception.GetType().Name}: {exception.Message}"),
        };
    }

    /// <summary>
    /// Classifies what the connection's deadline stream saw: a stage that timed out, the attempt's budget running out, or
    /// the peer closing the connection — in Postfix's words (<c>conversation with host[addr] timed out while receiving the
    /// initial server greeting</c>). Always transient (4.4.2, RFC 3463 §3.5 "bad connection").
    /// </summary>
    internal static DeliveryReply FromTrouble(SmtpTrouble trouble, string peer)
    {
        ArgumentNullException.ThrowIfNull(trouble);
        var stage = Describe(trouble);
        return trouble.Kind switch
        {
            SmtpTroubleKind.TimedOut => Transient("4.4.2", $"conversation with {peer} timed out after {Duration(trouble.Limit)} while {stage}"),
            SmtpTroubleKind.AttemptBudget => Transient("4.4.2",
                $"delivery attempt ran out of its {Duration(trouble.Limit)} budget (Delivery:AttemptTimeout) while {stage} with {peer}"),
            _ => Transient("4.4.2", $"lost connection with {peer} while {stage}"),
        };
    }

    /// <summary>
    /// Classifies a failed session step: the peer's reply when there was one, else what the deadline stream saw, else
    /// the exception (network, TLS, protocol).
    /// </summary>
    internal static DeliveryReply FromSession(Exception exception, SmtpTrouble? trouble, string peer)
    {
        ArgumentNullException.ThrowIfNull(exception);
        // A drop during the TLS handshake is a handshake failure first: that is what the exception says.
        var tls = exception is SslHandshakeException or System.Security.Authentication.AuthenticationException;
        return exception is SmtpCommandException || trouble is null || (tls && trouble.Kind == SmtpTroubleKind.Lost)
            ? FromException(exception)
            : FromTrouble(trouble, peer);
    }

    /// <summary>The attempt's budget ran out before another exchanger could be tried.</summary>
    public static DeliveryReply OutOfTime(string domain, TimeSpan budget) =>
        Transient("4.4.2", $"delivery attempt to {domain} ran out of its {Duration(budget)} budget (Delivery:AttemptTimeout)");

    /// <summary>
    /// Every address the domain's exchangers resolved to is refused by the outbound address policy
    /// (<see cref="Routing.OutboundAddressPolicy"/>): permanent, 5.4.4 "unable to route" (RFC 3463 §3.5).
    /// </summary>
    public static DeliveryReply RefusedByPolicy(IReadOnlyCollection<Routing.RefusedAddress> refused)
    {
        ArgumentNullException.ThrowIfNull(refused);
        const int Listed = 8;
        var list = string.Join(", ", refused.Take(Listed)) + (refused.Count > Listed ? $" and {refused.Count - Listed} more" : "");
        return Permanent("5.4.4", $"all MX addresses are refused by the outbound address policy: {list}");
    }

    /// <summary>Classifies a failed DNS lookup of <paramref name="name"/> (MX or address records).</summary>
    public static DeliveryReply FromDns(DnsResponseCode code, string name, string queryType)
    {
        var where = $"name={name} type={queryType}";
        return code switch
        {
            DnsResponseCode.NotExistentDomain => Permanent("5.1.2", $"Host or domain name not found. Name service error for {where}: Host not found"),
            DnsResponseCode.ConnectionTimeout => Transient("4.4.3", $"Host or domain name not found. Name service error for {where}: timed out"),
            _ => Transient("4.4.3", $"Host or domain name not found. Name service error for {where}: {code.ToString()}"),
        };
    }

    /// <summary>The domain publishes a null MX: it accepts no mail (RFC 7505 §3).</summary>
    public static DeliveryReply NullMx(string domain) => Permanent("5.1.10", $"Domain {domain} does not accept mail (null MX)");

    /// <summary>No MX host had an address.</summary>
    public static DeliveryReply NoAddresses(string domain, bool transient) => transient
        ? Transient("4.4.3", $"no address for any mail exchanger of {domain} (lookup failed)")
        : Permanent("5.4.4", $"no address for any mail exchanger of {domain}");

    /// <summary>The policy requires TLS and the peer did not offer STARTTLS: deferred, like Postfix's <c>encrypt</c> level.</summary>
    public static DeliveryReply TlsNotOffered(string host) => Transient("4.7.4", $"TLS is required, but was not offered by host {host}");

    /// <summary>The message needs SMTPUTF8 and the peer does not offer it (RFC 6531 §3.5).</summary>
    public static DeliveryReply SmtpUtf8NotOffered(string host) => Permanent("5.6.7", $"SMTPUTF8 is required, but was not offered by host {host}");

    /// <summary>The peer announced a SIZE limit smaller than the message (RFC 1870 §6).</summary>
    public static DeliveryReply TooLarge(string host, long size, long limit) =>
        Permanent("5.3.4", string.Create(CultureInfo.InvariantCulture, $"message of {size} octets exceeds the {limit}-octet limit of host {host}"));

    /// <summary>
    /// The queue lifetime ran out while the recipient was still deferred: permanent now, but the status and diagnostic
    /// stay the last transient reply's (what the peer said is what the sender needs to know), as Postfix reports it.
    /// </summary>
    public static DeliveryReply Expired(DeliveryReply? last) => last is { EnhancedCode: ['4', ..] }
        ? new(ReplyKind.Permanent, last.Code, last.EnhancedCode, last.Text + " (delivery time expired)")
        : Permanent("4.4.7", "delivery time expired" + (last is null ? "" : $" (last reply: {last})"));

    /// <summary>A local transient condition.</summary>
    public static DeliveryReply Transient(string enhancedCode, string text) => new(ReplyKind.Transient, null, enhancedCode, text);

    /// <summary>A local permanent condition.</summary>
    public static DeliveryReply Permanent(string enhancedCode, string text) => new(ReplyKind.Permanent, null, enhancedCode, text);

    /// <summary>Parses a leading RFC 3463 status code (<c>class.subject.detail</c>), or null.</summary>
    public static string? ParseEnhancedCode(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var span = text.AsSpan();
        if (span.Length < 5 || span[0] is not ('2' or '4' or '5') || span[1] != '.')
        {
            return null;
        }

        var i = 2;
        if (!Digits(span, ref i) || i >= span.Length || span[i] != '.')
        {
            return null;
        }

        i++;
        if (!Digits(span, ref i))
        {
            return null;
        }

        return i == span.Length || char.IsWhiteSpace(span[i]) ? text[..i] : null;
    }

    private static bool Digits(ReadOnlySpan<char> span, ref int i)
    {
        var start = i;
        while (i < span.Length && char.IsAsciiDigit(span[i]) && i - start < 3)
        {
            i++;
        }

        return i > start && (i == span.Length || !char.IsAsciiDigit(span[i]));
    }

    private static int Hope(DeliveryReply reply) => reply switch
    {
        { Kind: ReplyKind.Success } => 5,
        { Kind: ReplyKind.Transient, Code: >= 400 and < 500 } => 4,
        { Kind: ReplyKind.Transient, Code: not null } => 3,
        { Kind: ReplyKind.Transient } => 2,
        _ => 1,
    };

    private static string Describe(SmtpTrouble trouble) => trouble.Stage switch
    {
        SmtpStage.Greeting => "receiving the initial server greeting",
        SmtpStage.Handshake => "performing the EHLO and STARTTLS handshake",
        SmtpStage.Authentication => "authenticating",
        SmtpStage.MailFrom => "sending MAIL FROM",
        SmtpStage.RcptTo => "sending RCPT TO",
        SmtpStage.DataCommand => "sending DATA command",
        SmtpStage.DataContent when trouble.AfterEndOfData => "sending end of data -- message may be sent more than once",
        SmtpStage.DataContent => "sending message body",
        _ => "probing or resetting the session",
    };

    private static string Duration(TimeSpan value) => value switch
    {
        { TotalMinutes: >= 1 } when value.Seconds == 0 && value.Milliseconds == 0 => string.Create(CultureInfo.InvariantCulture, $"{value.TotalMinutes:0.##} min"),
        { TotalSeconds: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.###} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0} ms"),
    };

    private static char ClassDigit(ReplyKind kind) => kind switch
    {
        ReplyKind.Success => '2',
        ReplyKind.Transient => '4',
        _ => '5',
    };

    private static DeliveryReply FromSocket(SocketException socket, string prefix = "") => socket.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => Transient("4.4.1", prefix + "connection refused"),
        SocketError.TimedOut => Transient("4.4.1", prefix + "connection timed out"),
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => Transient("4.4.1", prefix + "no route to host"),
        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown => Transient("4.4.2", prefix + "connection reset by peer"),
        _ => Transient("4.4.1", prefix + socket.Message),
    };

    private static T? FindInner<T>(Exception exception) where T : Exception
    {
        for (var e = exception.InnerException; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static string Describe(Exception exception) =>
        exception.InnerException is { } inner ? $"{exception.Message} ({inner.Message})" : exception.Message;
}
