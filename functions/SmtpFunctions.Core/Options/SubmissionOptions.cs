using System.ComponentModel.DataAnnotations;

namespace SmtpFunctions.Core.Options;

/// <summary>Limits and defaults applied to every submitted message, whichever door it came through.</summary>
public sealed class SubmissionOptions
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Submission";

    /// <summary>
    /// Most distinct envelope recipients per message (To + Cc + Bcc after duplicates are collapsed). Default 50, like SES.
    /// At most 99: a message's status rows are committed in one table transaction of at most 100 entities.
    /// </summary>
    [Range(1, 99)]
    public int MaxRecipients { get; set; } = 50;

    /// <summary>Largest stored message, in octets, after MIME encoding. Default 25 MiB.</summary>
    [Range(1024, 150 * 1024 * 1024)]
    public long MaxMessageBytes { get; set; } = 25L * 1024 * 1024;

    /// <summary>
    /// Largest message, in octets, whose MIME also travels inside its delivery jobs, so that delivering it needs no read of
    /// its blob (one storage request and one round trip less per delivery). The blob is still written: it is the durable
    /// copy the sweeper, bounces and any job without the content read. 0 turns it off. Default 16 KiB, most transactional
    /// mail; at most 24 KiB, so that a job with its content, Base64 in JSON, stays inside a queue message (64 KB) beside a
    /// full set of recipients. A job that would not fit anyway goes without it.
    /// </summary>
    [Range(0, 24 * 1024)]
    public int InlineContentMaxBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// Domain for generated Message-IDs (<c>&lt;id@domain&gt;</c>). Empty: the From address's domain, which is what
    /// receivers expect to see aligned with the sender.
    /// </summary>
    public string MessageIdDomain { get; set; } = "";

    /// <summary>
    /// Most header fields a message may have (a raw message's top-level fields; a JSON request's <c>headers</c>), checked
    /// before any other work. Default 1000: far beyond any real message (Postfix refuses mail with more than 50
    /// <c>Received:</c> fields), small enough that no request can make every later step slow.
    /// </summary>
    [Range(10, 100_000)]
    public int MaxHeaderFields { get; set; } = 1000;

    /// <summary>
    /// Largest header block of a message submitted as raw MIME, in octets, checked before it is parsed. Default 128 KiB:
    /// four times sendmail's <c>MaxHeadersLength</c>, ample for long trace and signature fields, and small enough that a
    /// header of thousands of addresses cannot cost seconds of parsing.
    /// </summary>
    [Range(8 * 1024, 16 * 1024 * 1024)]
    public long MaxHeaderBytes { get; set; } = 128 * 1024;

    /// <summary>
    /// Request body octets the HTTP door holds at once, per process; a request beyond it is answered 503 with Retry-After
    /// before its body is read. Default 512 MiB: a submission holds about two copies of its message while it is prepared,
    /// so this keeps the door's message memory near 1 GiB however many clients send large messages at once.
    /// </summary>
    [Range(1024 * 1024, 64L * 1024 * 1024 * 1024)]
    public long MaxBytesInFlight { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// Keep <c>DKIM-Signature</c>, <c>ARC-*</c> and <c>Authentication-Results</c> fields of a message submitted as raw MIME.
    /// Default false: they are dropped, since they are claims about earlier hops that receivers would credit to us
    /// (RFC 8601 §5). Turn on only for submitters you trust to forward such messages intact. A JSON request can never set
    /// them.
    /// </summary>
    public bool KeepSubmittedAuthenticationHeaders { get; set; }

    /// <summary>
    /// Whether the <c>Received:</c> field we prepend names the client: its IP address and, over SMTP, its EHLO name.
    /// Default true, as every MTA does. False for privacy: the field then only says by whom, with what protocol (and
    /// TLS), when, and the message id.
    /// </summary>
    public bool ReceivedHeaderShowsClient { get; set; } = true;
}
