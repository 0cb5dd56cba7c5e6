using System.Net;
using SmtpFunctions.Testing.Tls;

namespace SmtpFunctions.Testing.Dovecot;

/// <summary>How a <see cref="DovecotInstance"/> is set up.</summary>
public sealed class DovecotOptions
{
    /// <summary>Dovecot's <c>hostname</c>: the LMTP greeting and the <c>Received:</c> header it adds. Default <c>imap.peer.test</c>.</summary>
    public string HostName { get; set; } = "imap.peer.test";

    /// <summary>Address for IMAP and LMTP; default a fresh random 127.a.b.c.</summary>
    public IPAddress? Address { get; set; }

    /// <summary>IMAP port; default free.</summary>
    public int? ImapPort { get; set; }

    /// <summary>LMTP port; default free.</summary>
    public int? LmtpPort { get; set; }

    /// <summary>Mail users (full address → password, stored in plaintext: test only). LMTP rejects anyone else with 550 5.1.1.</summary>
    public IDictionary<string, string> Users { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>When set, IMAP offers STARTTLS with this certificate; when null, TLS is off and plaintext login allowed.</summary>
    public TestCertificate? TlsCertificate { get; set; }

    /// <summary>How long to wait for both listeners and the start log line. Default 30 s.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Adds a user.</summary>
    public DovecotOptions AddUser(string address, string password)
    {
        Users[address] = password;
        return this;
    }
}
