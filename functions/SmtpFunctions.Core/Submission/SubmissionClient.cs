using System.Net;
using System.Net.Security;
using System.Security.Authentication;

namespace SmtpFunctions.Core.Submission;

/// <summary>
/// How the client reached the door: what the <c>Received:</c> header we prepend records (RFC 5321 §4.4). Each door fills
/// in what it knows; anything left out is simply not mentioned.
/// </summary>
public sealed record SubmissionClient
{
    /// <summary>The client's IP address, as the door saw it.</summary>
    public IPAddress? Address { get; init; }

    /// <summary>The name the client gave in EHLO/HELO (SMTP only).</summary>
    public string? HeloName { get; init; }

    /// <summary>The connection is encrypted (TLS at the door, or at a proxy in front of it).</summary>
    public bool Tls { get; init; }

    /// <summary>The TLS version, when known (written as <c>(using TLSv1.3 …)</c>).</summary>
    public SslProtocols? TlsProtocol { get; init; }

    /// <summary>The negotiated cipher suite, when known.</summary>
    public TlsCipherSuite? CipherSuite { get; init; }

    /// <summary>
    /// The account the client authenticated as (SMTP AUTH), or null. It makes the protocol <c>ESMTPA</c>/<c>ESMTPSA</c>
    /// (RFC 3848); the name itself is not written into the header (Postfix's <c>smtpd_sasl_authenticated_header = no</c>).
    /// </summary>
    public string? AuthenticatedUser { get; init; }

    /// <summary>The client used EHLO (ESMTP) rather than HELO (SMTP only; true by default).</summary>
    public bool Extended { get; init; } = true;
}
