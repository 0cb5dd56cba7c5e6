namespace SmtpFunctions.Core.Delivery;

/// <summary>Where a session is in the SMTP dialogue: it picks the deadline of the next reply and names a failure.</summary>
/// <remarks>The timeouts per stage are RFC 5321 §4.5.3.2's (see <see cref="Options.DeliveryOptions"/>).</remarks>
internal enum SmtpStage
{
    /// <summary>Waiting for the 220 greeting (nothing sent yet).</summary>
    Greeting,

    /// <summary>EHLO (or HELO), STARTTLS and the TLS handshake, and EHLO again.</summary>
    Handshake,

    /// <summary>AUTH to the smart host.</summary>
    Authentication,

    /// <summary>MAIL FROM and its reply (with PIPELINING, the batch of MAIL and RCPTs up to MAIL's reply).</summary>
    MailFrom,

    /// <summary>RCPT TO and each of its replies.</summary>
    RcptTo,

    /// <summary>DATA (or BDAT) and its reply.</summary>
    DataCommand,

    /// <summary>The message content, the final dot, and the reply to it.</summary>
    DataContent,

    /// <summary>NOOP before reuse, RSET, QUIT.</summary>
    Command,
}
