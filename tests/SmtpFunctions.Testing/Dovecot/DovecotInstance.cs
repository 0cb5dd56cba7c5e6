using System.Net;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;
using SmtpFunctions.Testing.Postfix;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Testing.Dovecot;

/// <summary>
/// A private Dovecot 2.3 (Debian's dovecot-imapd + dovecot-lmtpd) with IMAP and LMTP on its own 127.a.b.c address,
/// its own config file (<c>dovecot -c FILE -F</c>), base_dir, state and Maildirs under a temp folder, passwd-file users
/// with plaintext passwords; the far end of Postfix → LMTP → Dovecot → IMAP (MailKit's <see cref="ImapClient"/>).
/// </summary>
/// <remarks>
/// What a minimal config running as root needs (Debian 12): <c>base_dir</c>, <c>state_dir</c> and
/// <c>instance_name</c> of its own (sockets, and to stay apart from other instances); the internal users
/// <c>dovecot</c>/<c>dovenull</c> the package creates; mail stored as an unprivileged user (here <c>nobody</c>, as
/// Dovecot refuses root mail processes) that owns the mail folder; <c>ssl = no</c> plus
/// <c>disable_plaintext_auth = no</c> when no certificate is given. Users: <c>passwd-file</c> passdb with
/// <c>{PLAIN}</c> passwords, static userdb with home <c>mail/{domain}/{local part}</c> and
/// <c>maildir:~/Maildir</c>. Dovecot re-reads the passwd-file when it changes, so <see cref="AddUser"/> works live.
/// Ready = both ports listening and the master's <c>starting up</c> log line. Stopped with TERM to the master's PID,
/// KILL by PID for anything left.
/// </remarks>
public sealed class DovecotInstance : IAsyncDisposable
{
    private const string MailUser = "nobody";
    private const string MailGroup = "nogroup";

    private readonly string _directory;
    private readonly Dictionary<string, string> _users;
    private DaemonProcess? _process;
    private IReadOnlyList<int> _lastProcessIds = [];

    private DovecotInstance(DovecotOptions options, string directory, IPAddress address, int imapPort, int lmtpPort)
    {
        Options = options;
        _directory = directory;
        _users = new Dictionary<string, string>(options.Users, StringComparer.OrdinalIgnoreCase);
        Address = address;
        ImapPort = imapPort;
        LmtpPort = lmtpPort;
    }

    /// <summary>The options it was started with.</summary>
    public DovecotOptions Options { get; }

    /// <summary>Listening address.</summary>
    public IPAddress Address { get; }

    /// <summary>IMAP port.</summary>
    public int ImapPort { get; }

    /// <summary>LMTP port.</summary>
    public int LmtpPort { get; }

    /// <summary>IMAP endpoint.</summary>
    public IPEndPoint ImapEndPoint => new(Address, ImapPort);

    /// <summary>LMTP endpoint (give it to <see cref="PostfixOptions.LmtpDestination"/>).</summary>
    public IPEndPoint LmtpEndPoint => new(Address, LmtpPort);

    /// <summary>Mail storage: <c>{domain}/{local part}/Maildir</c> below it.</summary>
    public string MailDirectory => Path.Combine(_directory, "mail");

    /// <summary>The Dovecot log file.</summary>
    public string LogPath => Path.Combine(_directory, "dovecot.log");

    /// <summary>The config file (<c>-c</c>).</summary>
    public string ConfigPath => Path.Combine(_directory, "dovecot.conf");

    /// <summary>True while the master runs.</summary>
    public bool IsRunning => _process?.IsRunning ?? false;

    /// <summary>PIDs of the master and its children now, or at the last stop.</summary>
    public IReadOnlyList<int> ProcessIds => _process?.ProcessIds ?? _lastProcessIds;

    /// <summary>Writes the configuration and starts Dovecot; throws with its log when it does not come up.</summary>
    public static async Task<DovecotInstance> StartAsync(DovecotOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new DovecotOptions();
        var address = options.Address ?? LoopbackAddresses.Next();
        var imap = options.ImapPort ?? FreePorts.Next(address);
        var lmtp = options.LmtpPort ?? NextOther(address, imap);
        var directory = Path.Combine(Path.GetTempPath(), "smtpfunctions-dovecot-" + Guid.NewGuid().ToString("N")[..12]);
        var instance = new DovecotInstance(options, directory, address, imap, lmtp);
        try
        {
            instance.WriteConfiguration();
            await instance.RunAsync(cancellationToken);
            return instance;
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds (or changes) a user while running.</summary>
    public void AddUser(string address, string password)
    {
        _users[address] = password;
        WriteUsers();
    }

    /// <summary>The log so far, and what the master printed (configuration errors go there).</summary>
    public string ReadLog() => DaemonFiles.Read(LogPath) + (_process?.Output ?? string.Empty);

    /// <summary>An IMAP client connected (STARTTLS when a certificate is configured, accepting it) and logged in as <paramref name="user"/>.</summary>
    public async Task<ImapClient> ConnectImapAsync(string user, CancellationToken cancellationToken = default)
    {
        if (!_users.TryGetValue(user, out var password))
        {
            throw new ArgumentException($"{user} is not a user of this Dovecot.", nameof(user));
        }

        var client = new ImapClient();
        try
        {
            // The certificate is self-signed on purpose: trust exactly the one this instance was given.
            var expected = Options.TlsCertificate?.Certificate.GetCertHashString();
            client.ServerCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == expected;
            var security = Options.TlsCertificate is null ? SecureSocketOptions.None : SecureSocketOptions.StartTls;
            await client.ConnectAsync(Address.ToString(), ImapPort, security, cancellationToken);
            await client.AuthenticateAsync(user, password, cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Waits until <paramref name="user"/>'s INBOX holds at least <paramref name="count"/> messages and fetches them over IMAP.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForMessagesAsync(string user, int count = 1, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        using var client = await ConnectImapAsync(user, cancellationToken);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
        while (inbox.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Dovecot {ImapEndPoint}: waited for {count} message(s) for {user}, found {inbox.Count}.\n{ReadLog()}");
            }

            await Task.Delay(50, cancellationToken);
            await client.NoOpAsync(cancellationToken); // makes the server report new messages
        }

        var messages = new List<MimeMessage>();
        for (var index = 0; index < inbox.Count; index++)
        {
            messages.Add(await inbox.GetMessageAsync(index, cancellationToken));
        }

        await client.DisconnectAsync(true, cancellationToken);
        return messages;
    }

    /// <summary>Stops Dovecot (TERM to the master, KILL by PID for anything left after 10 s).</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        var process = _process;
        _process = null;
        _lastProcessIds = await process.StopAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        DaemonFiles.DeleteFolder(_directory);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        const string dovecot = "/usr/sbin/dovecot";
        if (!File.Exists(dovecot) || !File.Exists("/usr/lib/dovecot/lmtp") || !File.Exists("/usr/lib/dovecot/imap"))
        {
            throw new InvalidOperationException("Dovecot (dovecot-imapd, dovecot-lmtpd) is not installed. Run 'sudo tests/install-deps.sh' (tests/run-tests.sh does).");
        }

        _process = DaemonProcess.Start(dovecot, ["-F", "-c", ConfigPath], _directory);
        var process = _process;
        try
        {
            await SocketTable.WaitForListenerAsync(Address, ImapPort, Options.StartTimeout, () => process.IsRunning, cancellationToken);
            await SocketTable.WaitForListenerAsync(Address, LmtpPort, Options.StartTimeout, () => process.IsRunning, cancellationToken);
            var deadline = DateTime.UtcNow + Options.StartTimeout;
            while (!ReadLog().Contains("starting up", StringComparison.Ordinal))
            {
                if (!process.IsRunning || DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("Dovecot did not log 'starting up'.");
                }

                await Task.Delay(20, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            var check = await ChildProcess.RunAsync("/usr/bin/doveconf", ["-c", ConfigPath, "-n"], TimeSpan.FromSeconds(30));
            throw new InvalidOperationException(
                $"Dovecot did not start (IMAP {ImapEndPoint}, LMTP {LmtpEndPoint}, config {ConfigPath}): {ex.Message}\n--- output and log:\n{ReadLog()}\n--- doveconf -n:\n{check.Output}", ex);
        }
    }

    private void WriteConfiguration()
    {
        foreach (var sub in new[] { "run", "state", "mail" })
        {
            Directory.CreateDirectory(Path.Combine(_directory, sub));
        }

        PostfixInstallation.ChangeOwner(MailDirectory, $"{MailUser}:{MailGroup}");
        WriteUsers();

        var d = _directory;
        var tls = Options.TlsCertificate is { } certificate
            ? $"ssl = yes\nssl_cert = <{certificate.CertificatePemPath}\nssl_key = <{certificate.KeyPemPath}\n"
            : "ssl = no\n";
        var configuration = $$"""
            # Private test instance: nothing here reads /etc/dovecot.
            base_dir = {{d}}/run
            state_dir = {{d}}/state
            instance_name = dovecot-{{Path.GetFileName(d)}}
            log_path = {{LogPath}}
            hostname = {{Options.HostName}}
            protocols = imap lmtp
            listen = {{Address}}
            {{tls}}disable_plaintext_auth = no
            auth_mechanisms = plain login
            mail_location = maildir:~/Maildir
            lmtp_save_to_detail_mailbox = no
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{d}}/users
            }
            userdb {
              driver = static
              args = uid={{MailUser}} gid={{MailGroup}} home={{MailDirectory}}/%d/%n
            }
            service imap-login {
              inet_listener imap {
                address = {{Address}}
                port = {{ImapPort}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            service lmtp {
              inet_listener lmtp {
                address = {{Address}}
                port = {{LmtpPort}}
              }
            }

            """;
        File.WriteAllText(ConfigPath, configuration);
    }

    private void WriteUsers()
    {
        var lines = new StringBuilder();
        foreach (var (user, password) in _users)
        {
            if (user.Contains(':', StringComparison.Ordinal) || password.Contains(':', StringComparison.Ordinal) || (user + password).Contains('\n', StringComparison.Ordinal))
            {
                throw new ArgumentException($"User '{user}' or its password holds ':' or a line break, which passwd-file cannot store.");
            }

            lines.Append(user).Append(":{PLAIN}").Append(password).Append('\n');
        }

        // Written aside and renamed, so that Dovecot never reads a half-written file.
        var path = Path.Combine(_directory, "users");
        File.WriteAllText(path + ".new", lines.ToString());
        File.Move(path + ".new", path, overwrite: true);
    }

    private static int NextOther(IPAddress address, int taken)
    {
        while (true)
        {
            var port = FreePorts.Next(address);
            if (port != taken)
            {
                return port;
            }
        }
    }
}
