using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Testing.Postfix;

/// <summary>
/// A private Postfix (Debian's 3.7) with its own <c>main.cf</c>, <c>master.cf</c>, queue, data, Maildir and log
/// under a temp folder, its smtpd on its own 127.a.b.c address and port; started and stopped by PID, beside any other
/// Postfix on the machine. See <see cref="PostfixOptions"/> for its roles (final destination, LMTP to Dovecot, relay).
/// </summary>
/// <remarks>
/// What it takes to run one (seen on Debian 12, running as root):
/// <list type="bullet">
/// <item><c>postfix -c DIR start-fg</c> keeps the master as our grandchild (postfix-script runs <c>master -s</c>), so
/// the test process reaps it; <c>postfix start</c> would daemonize it to PID 1, which in a container may never reap
/// it (zombies). Readiness = the smtpd port listening (read from <c>/proc/net/tcp</c>, no probe connection) and the
/// master's <c>daemon started</c> log line.</item>
/// <item><c>inet_interfaces</c> must name addresses configured on an interface, and 127.a.b.c is not (only routed),
/// so it stays <c>loopback-only</c> and smtpd binds its own address through the service name <c>ADDR:PORT</c> in
/// master.cf. Consequence: a relay host on 127.0.0.1 would count as "myself"; relay peers use other addresses.</item>
/// <item>Queue: <c>postfix start</c> would create the queue subdirectories itself (post-install create-missing) but
/// its checks spawn some 60 helpers (1–2 s here); the fixture creates them as Debian's postfix-files lays them out
/// (postfix-owned 0700, public and maildrop group postdrop) and sets the <c>quick-start</c> flag that skips the
/// checks, so the master is up in well under 100 ms. <c>data_directory</c> and the Maildir base are owned by
/// <c>postfix</c>. Stopping = TERM to the master (what <c>postfix stop</c> does, without its 1 s polling).</item>
/// <item>Maildirs: virtual(8) with a texthash map, one Maildir per listed mailbox and one catch-all Maildir per domain
/// for the rest (virtual(8) refuses <c>$1</c> substitutions from regexp maps); every copy names its recipient in
/// <c>Delivered-To</c>, which <see cref="ReadMailbox"/> matches.</item>
/// <item>Zombies: when the master exits its children are reparented to PID 1, which in this container does not reap
/// them; they hold nothing and count as gone for <see cref="ProcessTree.IsAlive"/>.</item>
/// <item>The <c>postfix</c> command waits about 2.5 s when main.cf was modified within the last seconds, so the
/// generated files are backdated by a minute.</item>
/// <item>Logging: <c>maillog_file</c> with the <c>postlog</c> service in master.cf, and the file's folder listed in
/// <c>maillog_file_prefixes</c>. Errors of the <c>postfix</c> command itself go to syslog, absent here; on a start
/// failure <c>postfix check</c> is re-run under a pseudo-terminal (<c>script</c>) so that its message shows.</item>
/// <item>No chroot (column 5 = n), header rewriting off for every client (<c>local_header_rewrite_clients</c>
/// empty) so that delivered mail is byte-for-byte what was sent, no DNS (<c>smtp_dns_support_level = disabled</c>,
/// <c>smtpd_peername_lookup = no</c>), fast retries (1 s) so that deferred relays settle within a test.</item>
/// </list>
/// </remarks>
public sealed class PostfixInstance : IAsyncDisposable
{
    private const string StartedLogLine = "daemon started";

    private const string CatchAllFolder = ".any-recipient";

    private static readonly string[] MaildirFolders = ["new", "cur"];

    private readonly PostfixPolicyServer? _policy;
    private DaemonProcess? _process;
    private IReadOnlyList<int> _lastProcessIds = [];

    private PostfixInstance(PostfixOptions options, string directory, IPAddress address, int port, PostfixPolicyServer? policy)
    {
        Options = options;
        Directory = directory;
        Address = address;
        Port = port;
        _policy = policy;
    }

    /// <summary>The options it was started with.</summary>
    public PostfixOptions Options { get; }

    /// <summary>The instance's temp folder (conf/, queue/, data/, mail/, log/).</summary>
    public string Directory { get; }

    /// <summary>Folder with main.cf and master.cf (the <c>-c</c> argument).</summary>
    public string ConfigDirectory => Path.Combine(Directory, "conf");

    /// <summary><c>virtual_mailbox_base</c>: Maildirs are <c>{domain}/{local part}/</c> (listed mailboxes) and <c>{domain}/.any-recipient/</c> (others) below it.</summary>
    public string MailDirectory => Path.Combine(Directory, "mail");

    /// <summary>The Postfix log (<c>maillog_file</c>).</summary>
    public string LogPath => Path.Combine(Directory, "log", "postfix.log");

    /// <summary>smtpd's address.</summary>
    public IPAddress Address { get; }

    /// <summary>smtpd's port.</summary>
    public int Port { get; }

    /// <summary>smtpd's endpoint.</summary>
    public IPEndPoint EndPoint => new(Address, Port);

    /// <summary><c>myhostname</c>.</summary>
    public string HostName => Options.HostName;

    /// <summary>The policy service when <see cref="PostfixOptions.Policy"/> was set (its requests, or to change the policy).</summary>
    public PostfixPolicyServer? Policy => _policy;

    /// <summary>True while the master runs.</summary>
    public bool IsRunning => _process?.IsRunning ?? false;

    /// <summary>PIDs of the process tree (postfix-script, master, qmgr, smtpd…) now, or at the last stop when stopped.</summary>
    public IReadOnlyList<int> ProcessIds => _process?.ProcessIds ?? _lastProcessIds;

    /// <summary>CPU time used by all of this Postfix's processes so far, exited ones included (for benchmarks).</summary>
    public TimeSpan CpuTime => _process?.CpuTime ?? TimeSpan.Zero;

    /// <summary>Creates the configuration and starts Postfix; throws with the log when it does not come up.</summary>
    public static async Task<PostfixInstance> StartAsync(PostfixOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new PostfixOptions();
        var address = options.Address ?? LoopbackAddresses.Next();
        var port = options.Port ?? FreePorts.Next(address);
        var directory = Path.Combine(Path.GetTempPath(), "smtpfunctions-postfix-" + Guid.NewGuid().ToString("N")[..12]);
        var policy = options.Policy is { } decide ? PostfixPolicyServer.Start(decide) : null;
        var instance = new PostfixInstance(options, directory, address, port, policy);
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

    /// <summary>The log so far.</summary>
    public string ReadLog() => DaemonFiles.Read(LogPath);

    /// <summary>The messages delivered so far to <paramref name="address"/> (its Maildir, or the catch-all copies naming it), oldest first.</summary>
    public IReadOnlyList<MaildirMessage> ReadMailbox(string address) =>
        ReadAllMail().Where(message => string.Equals(message.Recipient, address, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>Every message delivered so far, all mailboxes, oldest first.</summary>
    public IReadOnlyList<MaildirMessage> ReadAllMail()
    {
        if (!System.IO.Directory.Exists(MailDirectory))
        {
            return [];
        }

        return System.IO.Directory.EnumerateDirectories(MailDirectory)
            .SelectMany(System.IO.Directory.EnumerateDirectories)
            .SelectMany(mailbox => MaildirFolders.Select(sub => Path.Combine(mailbox, sub)))
            .Where(System.IO.Directory.Exists)
            .SelectMany(System.IO.Directory.EnumerateFiles)
            .Select(path => (path, written: File.GetLastWriteTimeUtc(path)))
            .OrderBy(file => file.written)
            .ThenBy(file => file.path, StringComparer.Ordinal)
            .Select(file => new MaildirMessage(file.path, File.ReadAllBytes(file.path), HostName))
            .ToList();
    }

    /// <summary>Waits until the mailbox holds at least <paramref name="count"/> messages; on timeout throws with the log and queue.</summary>
    public Task<IReadOnlyList<MaildirMessage>> WaitForMailboxAsync(string address, int count = 1, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitForMailAsync(() => ReadMailbox(address), count, $"{count} message(s) in the mailbox of {address}", timeout, cancellationToken);

    /// <summary>Waits until all mailboxes together hold at least <paramref name="count"/> messages.</summary>
    public Task<IReadOnlyList<MaildirMessage>> WaitForAllMailAsync(int count, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitForMailAsync(ReadAllMail, count, $"{count} message(s) in all mailboxes", timeout, cancellationToken);

    /// <summary>The queue listing (<c>postqueue -p</c>).</summary>
    public async Task<string> ShowQueueAsync() => (await PostqueueAsync("-p")).Output;

    /// <summary>Number of messages in the queue (incoming, active, deferred, hold), from <c>postqueue -j</c>.</summary>
    public async Task<int> CountQueuedAsync()
    {
        var (_, output) = await PostqueueAsync("-j");
        return output.Split('\n').Count(line => line.StartsWith('{'));
    }

    /// <summary>Asks Postfix to retry deferred mail now (<c>postqueue -f</c>).</summary>
    public Task FlushAsync() => PostqueueAsync("-f");

    /// <summary>Waits until the queue is empty (everything delivered, relayed or bounced).</summary>
    public async Task WaitForEmptyQueueAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (await CountQueuedAsync() > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Postfix {EndPoint} still has mail queued:\n{await ShowQueueAsync()}\n{DaemonFiles.Tail(ReadLog())}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Re-reads main.cf and the maps (<c>postfix reload</c>), e.g. after editing files in <see cref="ConfigDirectory"/>.</summary>
    public async Task ReloadAsync()
    {
        var (exitCode, output) = await ChildProcess.RunAsync(PostfixInstallation.Command("postfix"), ["-c", ConfigDirectory, "reload"], TimeSpan.FromSeconds(30));
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"postfix reload failed ({exitCode}): {output}\n{DaemonFiles.Tail(ReadLog())}");
        }
    }

    /// <summary>Stops Postfix (TERM to its master as <c>postfix stop</c> does, then KILL by PID for anything left); the folder stays until dispose.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        var process = _process;
        _process = null;

        // What "postfix stop" does — TERM to the master, which ends its process group — without its polling in whole
        // seconds. The master is found in our own tree (its PID file is locked against .NET's readers).
        _lastProcessIds = await process.StopAsync(target: process.Find("master"));
    }

    /// <summary>Starts it again with the same configuration, address, port, queue and mail.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await RunAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_policy is not null)
        {
            await _policy.DisposeAsync();
        }

        DaemonFiles.DeleteFolder(Directory);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var postfix = PostfixInstallation.Command("postfix");
        await File.WriteAllTextAsync(Path.Combine(Directory, "queue", "quick-start"), string.Empty, cancellationToken);
        _process = DaemonProcess.Start(postfix, ["-c", ConfigDirectory, "start-fg"]);
        var process = _process;
        try
        {
            await SocketTable.WaitForListenerAsync(Address, Port, Options.StartTimeout, () => process.IsRunning, cancellationToken);
            var deadline = DateTime.UtcNow + Options.StartTimeout;
            while (!ReadLog().Contains(StartedLogLine, StringComparison.Ordinal))
            {
                if (!process.IsRunning || DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Postfix did not log '{StartedLogLine}'.");
                }

                await Task.Delay(20, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            var check = await ChildProcess.RunAsync("script", ["-qec", $"{postfix} -c {ConfigDirectory} check", "/dev/null"], TimeSpan.FromSeconds(30));
            throw new InvalidOperationException(
                $"Postfix did not start on {SocketTable.Format(Address, Port)} (config {ConfigDirectory}): {ex.Message}\n" +
                $"--- postfix start-fg output:\n{process.Output}\n--- postfix check:\n{check.Output}\n--- log:\n{DaemonFiles.Tail(ReadLog())}", ex);
        }
    }

    private void WriteConfiguration()
    {
        foreach (var sub in new[] { "conf", "queue", "data", "mail", "log" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(Directory, sub));
        }

        PostfixInstallation.GiveToMailOwner(Path.Combine(Directory, "data"));
        PostfixInstallation.GiveToMailOwner(MailDirectory);
        CreateQueueDirectories();

        var main = BuildMainCf();
        File.WriteAllText(Path.Combine(ConfigDirectory, "main.cf"), string.Concat(main.Select(p => $"{p.Key} = {p.Value}\n")));
        File.WriteAllText(Path.Combine(ConfigDirectory, "master.cf"), BuildMasterCf());

        // The postfix command waits (in 300 ms steps, about 2.5 s) while main.cf looks freshly edited; files
        // generated just now are backdated so that it starts at once.
        foreach (var file in System.IO.Directory.EnumerateFiles(ConfigDirectory))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(-1));
        }
    }

    /// <summary>
    /// The queue layout <c>post-install create-missing</c> makes (Debian's postfix-files): with it in place and a
    /// <c>quick-start</c> flag, <c>postfix start</c> skips its integrity checks — about 60 helper processes, 1–2 s
    /// on this machine — and the master is up in well under 100 ms. A failed start still runs <c>postfix check</c>.
    /// </summary>
    private void CreateQueueDirectories()
    {
        var queue = Path.Combine(Directory, "queue");
        string[] Paths(params string[] names) => [.. names.Select(name => Path.Combine(queue, name))];
        Install(["-o", PostfixInstallation.MailOwnerName, "-g", "root", "-m", "0700", .. Paths("active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming", "private", "saved", "trace")]);
        Install(["-o", PostfixInstallation.MailOwnerName, "-g", PostfixInstallation.SetgidGroupName, "-m", "0730", .. Paths("maildrop")]);
        Install(["-o", PostfixInstallation.MailOwnerName, "-g", PostfixInstallation.SetgidGroupName, "-m", "0710", .. Paths("public")]);
        Install(["-m", "0755", .. Paths("pid")]);

        static void Install(string[] arguments) => PostfixInstallation.Run("install", ["-d", .. arguments]);
    }

    private Dictionary<string, string> BuildMainCf()
    {
        var o = Options;
        var (uid, gid) = PostfixInstallation.MailOwner;
        var conf = ConfigDirectory;
        var p = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["compatibility_level"] = "3.6",
            ["queue_directory"] = Path.Combine(Directory, "queue"),
            ["data_directory"] = Path.Combine(Directory, "data"),
            ["mail_owner"] = PostfixInstallation.MailOwnerName,
            ["setgid_group"] = PostfixInstallation.SetgidGroupName,
            ["myhostname"] = o.HostName,
            ["mydomain"] = o.HostName,
            ["myorigin"] = "$myhostname",
            ["mydestination"] = string.Empty,
            ["inet_interfaces"] = "loopback-only",
            ["inet_protocols"] = Address.AddressFamily == AddressFamily.InterNetworkV6 ? "all" : "ipv4",
            ["maillog_file"] = LogPath,
            ["maillog_file_prefixes"] = Path.GetDirectoryName(LogPath)!,
            ["smtpd_banner"] = "$myhostname ESMTP Postfix",
            ["biff"] = "no",
            ["append_dot_mydomain"] = "no",
            ["alias_maps"] = string.Empty,
            ["alias_database"] = string.Empty,
            ["local_recipient_maps"] = string.Empty,
            ["local_header_rewrite_clients"] = string.Empty,
            ["smtpd_peername_lookup"] = "no",
            ["smtp_dns_support_level"] = "disabled",
            ["queue_run_delay"] = "1s",
            ["minimal_backoff_time"] = "1s",
            ["maximal_backoff_time"] = "10s",
            ["delay_warning_time"] = "0",
            ["smtputf8_enable"] = o.SmtpUtf8 ? "yes" : "no",
            ["smtpd_relay_restrictions"] = "permit_mynetworks, reject_unauth_destination",
        };

        if (o.MessageSizeLimit is { } limit)
        {
            p["message_size_limit"] = limit.ToString(CultureInfo.InvariantCulture);
        }

        if (o.DiscardedEhloKeywords.Count > 0)
        {
            p["smtpd_discard_ehlo_keywords"] = string.Join(", ", o.DiscardedEhloKeywords);
        }

        if (o.MailboxDomains.Count > 0)
        {
            p["virtual_mailbox_domains"] = string.Join(", ", o.MailboxDomains);
            p["virtual_mailbox_base"] = MailDirectory;
            p["virtual_uid_maps"] = $"static:{uid}";
            p["virtual_gid_maps"] = $"static:{gid}";
            // A trailing slash makes virtual(8) write a Maildir. Unlisted recipients share one catch-all Maildir per
            // domain (virtual(8) refuses $1 substitutions from regexp maps); each copy names its recipient in Delivered-To.
            var mailboxes = Path.Combine(conf, "mailboxes");
            var entries = o.Mailboxes.Select(a => $"{a} {MaildirPath(a)}\n");
            if (o.AcceptUnknownRecipients)
            {
                entries = entries.Concat(o.MailboxDomains.Select(d => $"@{d} {d}/{CatchAllFolder}/\n"));
            }

            File.WriteAllText(mailboxes, string.Concat(entries));
            p["virtual_mailbox_maps"] = $"texthash:{mailboxes}";
            if (o.LmtpDestination is { } lmtp)
            {
                p["virtual_transport"] = $"lmtp:inet:[{lmtp.Address}]:{lmtp.Port}";
            }
        }

        p["mynetworks"] = o.RelayHost is null ? string.Empty : "127.0.0.0/8, [::1]/128";
        if (o.RelayHost is { } relay)
        {
            p["relayhost"] = $"[{relay.Address}]:{relay.Port}";
        }

        var recipientRestrictions = new List<string>();
        if (o.RejectedRecipients.Count > 0)
        {
            var access = Path.Combine(conf, "recipient-access");
            File.WriteAllText(access, string.Concat(o.RejectedRecipients.Select(r => $"{r.Key} {r.Value}\n")));
            recipientRestrictions.Add($"check_recipient_access texthash:{access}");
        }

        if (_policy is not null)
        {
            recipientRestrictions.Add($"check_policy_service {_policy.PostfixAddress}");
            p["smtpd_data_restrictions"] = $"check_policy_service {_policy.PostfixAddress}";
            p["smtpd_end_of_data_restrictions"] = $"check_policy_service {_policy.PostfixAddress}";
        }

        if (recipientRestrictions.Count > 0)
        {
            p["smtpd_recipient_restrictions"] = string.Join(", ", recipientRestrictions);
        }

        if (o.TlsCertificate is { } certificate)
        {
            p["smtpd_tls_security_level"] = "may";
            p["smtpd_tls_cert_file"] = certificate.CertificatePemPath;
            p["smtpd_tls_key_file"] = certificate.KeyPemPath;
            p["smtpd_tls_loglevel"] = "1";
            p["smtpd_tls_received_header"] = "no";
        }
        else
        {
            p["smtpd_tls_security_level"] = "none";
        }

        foreach (var (key, value) in o.MainCf)
        {
            p[key] = value;
        }

        return p;
    }

    private string BuildMasterCf()
    {
        var listen = SocketTable.Format(Address, Port);
        return $"""
            # service  type  private unpriv chroot wakeup maxproc command
            {listen} inet n - n - - smtpd
            pickup     unix  n - n 60    1 pickup
            cleanup    unix  n - n -     0 cleanup
            qmgr       unix  n - n 300   1 qmgr
            tlsmgr     unix  - - n 1000? 1 tlsmgr
            rewrite    unix  - - n -     - trivial-rewrite
            bounce     unix  - - n -     0 bounce
            defer      unix  - - n -     0 bounce
            trace      unix  - - n -     0 bounce
            verify     unix  - - n -     1 verify
            flush      unix  n - n 1000? 0 flush
            proxymap   unix  - - n -     - proxymap
            proxywrite unix  - - n -     1 proxymap
            smtp       unix  - - n -     - smtp
            relay      unix  - - n -     - smtp
            showq      unix  n - n -     - showq
            error      unix  - - n -     - error
            retry      unix  - - n -     - error
            discard    unix  - - n -     - discard
            virtual    unix  - n n -     - virtual
            lmtp       unix  - - n -     - lmtp
            anvil      unix  - - n -     1 anvil
            scache     unix  - - n -     1 scache
            postlog    unix-dgram n - n - 1 postlogd

            """;
    }

    private static string MaildirPath(string address)
    {
        var at = address.LastIndexOf('@');
        return at <= 0 ? throw new ArgumentException($"Mailbox '{address}' is not local@domain.") : $"{address[(at + 1)..]}/{address[..at]}/";
    }

    private async Task<IReadOnlyList<MaildirMessage>> WaitForMailAsync(Func<IReadOnlyList<MaildirMessage>> read, int count, string what, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var messages = read();
            if (messages.Count >= count)
            {
                return messages;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Postfix {EndPoint}: waited for {what}, found {messages.Count}.\n--- queue:\n{await ShowQueueAsync()}\n--- log:\n{DaemonFiles.Tail(ReadLog())}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private Task<(int ExitCode, string Output)> PostqueueAsync(string option) =>
        ChildProcess.RunAsync(PostfixInstallation.Command("postqueue"), ["-c", ConfigDirectory, option], TimeSpan.FromSeconds(30));
}
