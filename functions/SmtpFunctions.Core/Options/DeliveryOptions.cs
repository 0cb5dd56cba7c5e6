using System.ComponentModel.DataAnnotations;

namespace SmtpFunctions.Core.Options;

/// <summary>How delivery talks SMTP to recipients' mail exchangers (or to the smart host).</summary>
/// <remarks>
/// Timeout defaults are RFC 5321 §4.5.3.2's minimums; the connect timeout (not in the RFC) is Postfix's
/// <c>smtp_connect_timeout</c>. Every timeout is enforced on the asynchronous socket calls (MailKit's own timeout
/// governs synchronous calls only): a reply must be complete within its stage's timeout however slowly it trickles in,
/// and <see cref="AttemptTimeout"/> bounds the whole attempt.
/// </remarks>
public sealed class DeliveryOptions : IValidatableObject
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Delivery";

    /// <summary>
    /// Name sent in EHLO and used as the Reporting-MTA and MAILER-DAEMON domain of DSNs. Empty: the machine's host name.
    /// Receivers check it against our reverse DNS, so production sets it.
    /// </summary>
    public string LocalDomain { get; set; } = "";

    /// <summary>TCP port of recipients' mail exchangers. Default 25; tests point it at a peer on another port.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 25;

    /// <summary>Refuse to send to any MX that does not offer STARTTLS (the message is deferred). Default false (opportunistic TLS, RFC 7435).</summary>
    public bool RequireTls { get; set; }

    /// <summary>Comma-separated recipient domains for which STARTTLS is required, like Postfix's per-domain <c>encrypt</c> policy.</summary>
    public string RequireTlsDomains { get; set; } = "";

    /// <summary>Most MX addresses tried in one attempt before the job is deferred. Default 5 (Postfix's <c>smtp_mx_address_limit</c>).</summary>
    [Range(1, 50)]
    public int MaxMxAddresses { get; set; } = 5;

    /// <summary>
    /// Most SMTP sessions (connections that got through the greeting, EHLO and TLS) in one attempt, like Postfix's
    /// <c>smtp_mx_session_limit</c>. Default 2. Connections that fail earlier count only against
    /// <see cref="MaxMxAddresses"/>.
    /// </summary>
    [Range(1, 50)]
    public int MaxMxSessions { get; set; } = 2;

    /// <summary>Time to establish the TCP connection. Default 30 s (Postfix's <c>smtp_connect_timeout</c>).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait for the 220 greeting and each EHLO, STARTTLS and TLS handshake step. Default 5 min (RFC 5321 §4.5.3.2.1).</summary>
    public TimeSpan GreetingTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait for the reply to MAIL FROM. Default 5 min (RFC 5321 §4.5.3.2.2).</summary>
    public TimeSpan MailTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait for the reply to each RCPT TO. Default 5 min (RFC 5321 §4.5.3.2.3).</summary>
    public TimeSpan RcptTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait for the 354 reply to DATA (or the reply to BDAT). Default 2 min (RFC 5321 §4.5.3.2.4).</summary>
    public TimeSpan DataInitTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Write each block of message content. Default 3 min (RFC 5321 §4.5.3.2.5).</summary>
    public TimeSpan DataBlockTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Wait for the reply to the final dot. Default 10 min (§4.5.3.2.6): the peer may be scanning the message.</summary>
    public TimeSpan DataTerminationTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Wait for the reply to the other commands a session sends: NOOP before a cached session is reused, RSET, AUTH to
    /// the smart host. Default 5 min (RFC 5321 §4.5.3.2 gives every command at least 5 minutes).
    /// </summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Wall-clock budget of one delivery attempt, every MX tried included: when it runs out, the step in progress is cut
    /// and the recipients still pending are deferred. Default 20 min: above the longest legitimate wait
    /// (<see cref="DataTerminationTimeout"/>), below the Functions host's <c>functionTimeout</c> in <c>host.json</c>
    /// (30 min), leaving the handler time to record the outcome.
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>
    /// A job can arrive before its submission's status commit lands (jobs are enqueued just before it). The handler
    /// looks again for up to this long before it re-enqueues the job. Default 2 s.
    /// </summary>
    public TimeSpan CommitWaitTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A job whose message row is still missing after <see cref="CommitWaitTimeout"/> is re-enqueued while it is younger
    /// than this; older, it is dropped as an orphan of a submission that never committed. Default 2 min; never less than
    /// a submission can take with every storage retry timing out (3 writes × (Storage:MaxRetries + 1) ×
    /// Storage:NetworkTimeout, plus back-off), since its commit may land that late.
    /// </summary>
    public TimeSpan OrphanGracePeriod { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Delay before such a job is looked at again. Default 15 s.</summary>
    public TimeSpan OrphanRecheckDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Open sessions kept per destination for reuse (Postfix's connection cache). 0 disables reuse. Default 16, the
    /// queue trigger's batch size: a batch to one domain then finds a session for each of its jobs.
    /// </summary>
    [Range(0, 100)]
    public int MaxIdleSessionsPerDestination { get; set; } = 16;

    /// <summary>An idle cached session is closed after this long. Default 10 s: peers drop idle clients quickly.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A session is not reused after this many messages. Default 100.</summary>
    [Range(1, 100_000)]
    public int MaxMessagesPerSession { get; set; } = 100;

    /// <summary>A session is not reused after being open this long. Default 5 min (Postfix's <c>smtp_connection_reuse_time_limit</c>).</summary>
    public TimeSpan MaxSessionAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Relay everything through one authenticated host instead of MX lookups (section <c>Delivery:SmartHost</c>).</summary>
    public SmartHostOptions SmartHost { get; set; } = new();

    /// <summary>True when STARTTLS is required for <paramref name="domain"/>, globally or by <see cref="RequireTlsDomains"/>.</summary>
    public bool RequiresTlsFor(string domain) =>
        RequireTls || RequireTlsDomains.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Any(d => string.Equals(d.TrimEnd('.'), domain, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The EHLO name: <see cref="LocalDomain"/>, else the host name, made fully qualified with <c>.localdomain</c> when it
    /// is not (receivers and our own submission path refuse a bare name in MAILER-DAEMON's address).
    /// </summary>
    public string EffectiveLocalDomain
    {
        get
        {
            if (LocalDomain is { Length: > 0 } configured)
            {
                return configured;
            }

            var host = System.Net.Dns.GetHostName().TrimEnd('.');
            return host.Contains('.', StringComparison.Ordinal) ? host : host + ".localdomain";
        }
    }

    /// <summary>
    /// How long an attempt's claim on its recipients lasts before another copy of the job may take them over (a crashed
    /// worker); renewed every third of it while the attempt runs. Short, so that delivery resumes soon after a crash:
    /// a copy that finds the dead attempt's lease comes back when it lapses. Default 30 s.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long delivery keeps retrying, with backoff, a storage write that records what a peer did (an outcome, a retry
    /// job): past it the job fails and comes back, and a delivered message may be sent again. Stays below host.json's
    /// functionTimeout. Default 5 min.
    /// </summary>
    public TimeSpan OutcomeWriteTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long after a permanent failure the message's DSN is put together when other recipients are still in flight,
    /// so that the failures of one round (every domain) go in one DSN. Default 30 s.
    /// </summary>
    public TimeSpan BounceCollectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LocalDomain.Length > 0 && (!LocalDomain.Contains('.', StringComparison.Ordinal) || LocalDomain.Any(c => c is ' ' or '@' or '[' or ']')))
        {
            yield return new ValidationResult($"Delivery:LocalDomain '{LocalDomain}' must be a fully qualified host name.", [nameof(LocalDomain)]);
        }

        foreach (var (name, value) in new[]
        {
            (nameof(ConnectTimeout), ConnectTimeout), (nameof(GreetingTimeout), GreetingTimeout), (nameof(CommandTimeout), CommandTimeout),
            (nameof(MailTimeout), MailTimeout), (nameof(RcptTimeout), RcptTimeout), (nameof(DataInitTimeout), DataInitTimeout),
            (nameof(DataBlockTimeout), DataBlockTimeout), (nameof(DataTerminationTimeout), DataTerminationTimeout),
            (nameof(AttemptTimeout), AttemptTimeout), (nameof(SessionIdleTimeout), SessionIdleTimeout),
            (nameof(MaxSessionAge), MaxSessionAge), (nameof(OrphanRecheckDelay), OrphanRecheckDelay),
            (nameof(LeaseDuration), LeaseDuration), (nameof(OutcomeWriteTimeout), OutcomeWriteTimeout), (nameof(BounceCollectDelay), BounceCollectDelay),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return new ValidationResult($"Delivery:{name} must be positive.", [name]);
            }
        }

        if (SmartHost.Enabled && SmartHost.UserName.Length > 0 && !SmartHost.RequireTls && !SmartHost.ImplicitTls)
        {
            yield return new ValidationResult("Delivery:SmartHost:RequireTls must be true when a user name is set: credentials must not travel in clear.",
                [nameof(SmartHost)]);
        }
    }
}
