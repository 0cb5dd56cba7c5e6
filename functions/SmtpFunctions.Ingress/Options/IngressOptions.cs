using System.ComponentModel.DataAnnotations;

namespace SmtpFunctions.Ingress.Options;

/// <summary>The SMTP submission ingress: listeners, TLS, accounts and the limits that keep it from being abused.</summary>
/// <remarks>
/// Bound from the <c>Ingress</c> section (environment: <c>Ingress__Port</c>, …) and validated at start by
/// <see cref="IngressOptionsValidator"/>. Lists are comma-separated strings so that Bicep can set them as plain app
/// settings; only <see cref="Users"/> is a list of objects (Azure supplies users through <see cref="UsersFile"/>).
/// </remarks>
public sealed class IngressOptions
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Ingress";

    /// <summary>Submission port with STARTTLS (RFC 6409). Default 587; 0 turns it off.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>Submission port with implicit TLS (RFC 8314 §3.3). Default 465; 0 turns it off.</summary>
    [Range(0, 65535)]
    public int ImplicitTlsPort { get; set; } = 465;

    /// <summary>Address both SMTP listeners bind to. Default <c>0.0.0.0</c> (every IPv4 interface); <c>::</c> for dual stack.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>Name in the greeting and the EHLO reply. Empty (default): the machine name.</summary>
    public string ServerName { get; set; } = "";

    /// <summary>
    /// TLS certificate: a PKCS#12 (PFX) file, a file holding a PFX as Base64 text (what a Key Vault certificate's secret
    /// contains when mounted as a Container Apps secret volume), or a PEM file (with the key in it or in
    /// <see cref="CertificateKeyPath"/>). Required unless <see cref="DevCertificate"/> is on.
    /// </summary>
    public string CertificatePath { get; set; } = "";

    /// <summary>PEM private key for a PEM <see cref="CertificatePath"/>. Default empty (key in the certificate file, or PFX).</summary>
    public string CertificateKeyPath { get; set; } = "";

    /// <summary>Password of the PFX or of an encrypted PEM key. Default empty (none; Key Vault exports PFX without one).</summary>
    public string CertificatePassword { get; set; } = "";

    /// <summary>
    /// Local runs only: use a self-signed certificate generated on first start and reused afterwards. Default false.
    /// </summary>
    public bool DevCertificate { get; set; }

    /// <summary>
    /// Folder for the development certificate and the generated development password. Default empty:
    /// <c>~/.local/share/SmtpFunctions/ingress</c> (the user's local application data).
    /// </summary>
    public string DevCertificateFolder { get; set; } = "";

    /// <summary>Accounts from configuration (<c>Ingress__Users__0__Name</c>, …). Default none.</summary>
    public List<IngressUserOptions> Users { get; set; } = [];

    /// <summary>
    /// JSON file with an array of accounts (same fields as <see cref="Users"/>, camelCase), re-read when it changes.
    /// This is how Azure supplies them: a Key Vault secret mounted as a Container Apps secret volume. Default empty.
    /// </summary>
    public string UsersFile { get; set; } = "";

    /// <summary>Local runs only (needs <see cref="DevCertificate"/>): name of an extra account printed at start. Default empty (none).</summary>
    public string DevUserName { get; set; } = "";

    /// <summary>
    /// Password of the development account. Empty (default): a random one is generated once, stored in
    /// <see cref="DevCertificateFolder"/> and printed at start.
    /// </summary>
    public string DevUserPassword { get; set; } = "";

    /// <summary>Sender domains of the development account, comma-separated; <c>*</c> (default) allows any.</summary>
    public string DevUserSenderDomains { get; set; } = "*";

    /// <summary>
    /// Client networks (CIDR, comma-separated) that may submit without AUTH, like Postfix's <c>mynetworks</c>: apps
    /// inside a private network. Default empty: every client must authenticate. Refused at start where client addresses
    /// are proxied (<see cref="ClientAddresses"/>, and always in Azure Container Apps): there every client would match.
    /// </summary>
    public string TrustedNetworks { get; set; } = "";

    /// <summary>
    /// Whether connection addresses are the clients' own. <c>Auto</c> (default): <c>Proxied</c> in Azure Container Apps,
    /// whose TCP ingress hides client addresses, <c>Direct</c> elsewhere. <c>Proxied</c> turns off the limits that would
    /// count every client as one (<see cref="MaxConnectionsPerClient"/>, the per-address AUTH failure limit) and forbids
    /// <see cref="TrustedNetworks"/>; <c>Direct</c> is refused in Container Apps.
    /// </summary>
    public ClientAddressMode ClientAddresses { get; set; } = ClientAddressMode.Auto;

    /// <summary>
    /// Sender domains (comma-separated) that clients from <see cref="TrustedNetworks"/> may use when they do not
    /// authenticate. Default empty: any, since the network itself is the credential (Postfix's <c>permit_mynetworks</c>).
    /// </summary>
    public string TrustedNetworkSenderDomains { get; set; } = "";

    /// <summary>Largest message accepted in DATA (advertised as SIZE, RFC 1870). Default 0: Core's <c>Submission:MaxMessageBytes</c>.</summary>
    [Range(0, 150L * 1024 * 1024)]
    public long MaxMessageBytes { get; set; }

    /// <summary>
    /// Most octets of message data held at once by the process: SIZE declared at MAIL is reserved then, DATA as it arrives.
    /// A MAIL whose SIZE does not fit, or DATA that outgrows it, gets <c>451 4.3.1</c> and the client tries again later.
    /// Default 0: 40 % of the memory the GC may use (the container's limit, or <c>DOTNET_GCHeapHardLimit</c>); never less
    /// than the largest message.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MaxBytesInFlight { get; set; }

    /// <summary>
    /// Most octets of messages inside Core's submission path at once (which parses, serialises and uploads each); further
    /// messages wait their turn before the reply to DATA. Default 0: 20 % of the memory the GC may use; never less than
    /// the largest message.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MaxBytesSubmitting { get; set; }

    /// <summary>Most distinct RCPT TO per message (RFC 5321 §4.5.3.1.8). Default 0: Core's <c>Submission:MaxRecipients</c>.</summary>
    [Range(0, 99)]
    public int MaxRecipients { get; set; }

    /// <summary>Longest command line in octets including CRLF (RFC 5321 §4.5.3.1.4). Default 512.</summary>
    [Range(512, 4096)]
    public int MaxCommandLineLength { get; set; } = 512;

    /// <summary>AUTH failures from one client address (within <see cref="AuthFailureWindow"/>) answered without delay. Default 3.</summary>
    [Range(0, 1000)]
    public int AuthFailureDelayAfter { get; set; } = 3;

    /// <summary>Pause before answering each AUTH failure past <see cref="AuthFailureDelayAfter"/>. Default 2 s.</summary>
    public TimeSpan AuthFailureDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>AUTH failures from one client address after which it gets <c>421 4.7.0</c> and is disconnected. Default 10.</summary>
    [Range(1, 1000)]
    public int AuthFailureLimit { get; set; } = 10;

    /// <summary>Sliding window over which AUTH failures count. Default 15 min.</summary>
    public TimeSpan AuthFailureWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// AUTH failures for one account name (within <see cref="AuthFailureWindow"/>, from any address) after which the
    /// account is locked: AUTH as it answers <c>454 4.7.0</c> without checking the password. Default 5. Works where client
    /// addresses are hidden, and stops a password guesser spreading over many addresses.
    /// </summary>
    [Range(1, 1000)]
    public int AccountFailureLimit { get; set; } = 5;

    /// <summary>First lockout of an account; each further one within the window doubles it. Default 1 min.</summary>
    public TimeSpan AccountLockout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Longest lockout of an account. Default 1 h.</summary>
    public TimeSpan AccountLockoutMax { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Simultaneous connections from one client address (IPv6: one /64). Default 20; trusted networks are exempt.</summary>
    [Range(1, 100_000)]
    public int MaxConnectionsPerClient { get; set; } = 20;

    /// <summary>Simultaneous connections in total. Default 1000.</summary>
    [Range(1, 1_000_000)]
    public int MaxConnections { get; set; } = 1000;

    /// <summary>
    /// Simultaneous connections that have not authenticated (trusted networks count as authenticated), so that idle or
    /// slow clients cannot take the slots of those who log in. When it is reached, a new connection closes the oldest
    /// unauthenticated one (<c>421 4.7.0</c>) instead of being refused. Default 800 of <see cref="MaxConnections"/>.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxUnauthenticatedConnections { get; set; } = 800;

    /// <summary>
    /// Share of <see cref="MaxUnauthenticatedConnections"/> (percent) in use at which the ingress is under pressure
    /// (Postfix's stress mode): unauthenticated connections then get <see cref="StressCommandTimeout"/> and
    /// <see cref="StressPreAuthTimeout"/>. The pressure ends below two thirds of it. Default 75.
    /// </summary>
    [Range(1, 100)]
    public int StressThresholdPercent { get; set; } = 75;

    /// <summary>
    /// Time allowed for a whole command line, and idle time allowed while waiting for one or for the next piece of DATA
    /// (Postfix's smtpd_timeout, with its per-request deadline). Default 5 min.
    /// </summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Slowest DATA accepted, in octets per second: DATA may take <see cref="CommandTimeout"/> plus one second per this many
    /// octets received (Postfix's smtpd_min_data_rate), so a client trickling a byte at a time is closed with
    /// <c>421 4.4.2</c>. Default 500; 0 turns the rate limit off (the idle limit stays).
    /// </summary>
    [Range(0, int.MaxValue)]
    public int MinDataRate { get; set; } = 500;

    /// <summary>
    /// Time from connecting to a successful AUTH for clients outside the trusted networks; past it they get
    /// <c>421 4.4.2</c>. Default 2 min.
    /// </summary>
    public TimeSpan PreAuthTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// <see cref="CommandTimeout"/> of unauthenticated connections under pressure (Postfix's stress value); never longer
    /// than <see cref="CommandTimeout"/> itself. Default 10 s.
    /// </summary>
    public TimeSpan StressCommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><see cref="PreAuthTimeout"/> under pressure; never longer than <see cref="PreAuthTimeout"/> itself. Default 30 s.</summary>
    public TimeSpan StressPreAuthTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest session. Default 60 min: a 25 MiB message over a 64 kbit/s link takes about 55 minutes to transfer.
    /// </summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>
    /// How long a stopping ingress (SIGTERM: a scale-in, a new revision, a container stop) waits for its sessions: it
    /// stops listening at once, answers every session's next command with 421 4.3.2, lets a message in DATA finish
    /// (commit, then 250), and ends what is left when this runs out. Default 20 s, inside Container Apps' 30 s between
    /// SIGTERM and SIGKILL; 0 ends every session at once.
    /// </summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Pause before the greeting; a client that sends anything during it is an early talker and is dropped
    /// (RFC 5321 §4.3.1: the client waits for the greeting). Default 1 s; not applied to trusted networks.
    /// </summary>
    public TimeSpan GreetingDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Rejected commands in one session after which it is closed with <c>421 4.7.0</c>. Default 10.</summary>
    [Range(1, 1000)]
    public int MaxProtocolErrors { get; set; } = 10;

    /// <summary>Create the blob container, table and queues at start (local runs against Azurite). Default false.</summary>
    public bool CreateStorage { get; set; }

    /// <summary>Port of the HTTP health endpoint <c>/healthz</c>. Default 8080; 0: an ephemeral port on loopback (tests).</summary>
    [Range(0, 65535)]
    public int HealthPort { get; set; } = 8080;
}
