using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Benchmarks.Ingress;

/// <summary>
/// A Postfix of our own (its own configuration, queue and data directories) whose smtpd listens on a loopback port and
/// puts every accepted message on hold: queued to disk like a real submission server, never delivered, so the
/// benchmark measures accepting and nothing else. Stopped with <c>postfix -c DIR stop</c>, which signals only this
/// instance's master.
/// </summary>
/// <remarks>
/// Written here because the shared <c>PostfixInstance</c> fixture (tests/SmtpFunctions.Testing/Postfix) was not in main
/// when this benchmark was written; it needs root, like every private Postfix instance.
/// </remarks>
public sealed class PrivatePostfix : IAsyncDisposable
{
    private readonly string _root;

    private PrivatePostfix(string root, int masterPid)
    {
        _root = root;
        MasterPid = masterPid;
    }

    /// <summary>PID of this instance's master process.</summary>
    public int MasterPid { get; }

    /// <summary>Postfix's command directory (smtp-source lives there too).</summary>
    public static string CommandDirectory { get; } = FindCommandDirectory();

    /// <summary>Messages on hold (accepted and written to disk).</summary>
    public int HeldMessages => Directory.EnumerateFiles(Path.Combine(_root, "queue", "hold"), "*", SearchOption.AllDirectories).Count();

    /// <summary>Configures and starts an instance whose smtpd listens on <paramref name="address"/>:<paramref name="port"/>.</summary>
    public static async Task<PrivatePostfix> StartAsync(IPAddress address, int port)
    {
        var root = Directory.CreateTempSubdirectory("bench-postfix-").FullName;

        // Postfix's daemons run as the postfix user and must reach their queue and data directories inside it.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        var etc = Directory.CreateDirectory(Path.Combine(root, "etc")).FullName;
        Directory.CreateDirectory(Path.Combine(root, "queue"));
        var data = Directory.CreateDirectory(Path.Combine(root, "data")).FullName;
        await File.WriteAllTextAsync(Path.Combine(etc, "main.cf"), $"""
            compatibility_level = 3.6
            queue_directory = {root}/queue
            data_directory = {data}
            mail_owner = postfix
            setgid_group = postdrop
            inet_interfaces = {address}
            inet_protocols = ipv4
            myhostname = bench-postfix.test
            mydestination =
            mynetworks = 127.0.0.0/8
            smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
            smtpd_recipient_restrictions = check_client_access static:HOLD, permit_mynetworks, reject_unauth_destination
            smtputf8_enable = no
            biff = no
            maillog_file = {root}/maillog
            maillog_file_prefixes = {root}
            """);
        var master = (await File.ReadAllLinesAsync("/etc/postfix/master.cf"))
            .Where(line => !line.StartsWith("smtp ", StringComparison.Ordinal) || !line.Contains(" inet ", StringComparison.Ordinal))
            .Append(string.Create(CultureInfo.InvariantCulture, $"{address}:{port} inet n - n - - smtpd"));
        await File.WriteAllLinesAsync(Path.Combine(etc, "master.cf"), master);
        await RunAsync("chown", ["postfix", data]);
        await RunAsync(Path.Combine(CommandDirectory, "postconf"), ["-c", etc, "-F", "*/*/chroot = n"]);
        try
        {
            await RunAsync(Path.Combine(CommandDirectory, "postfix"), ["-c", etc, "start"]);
            await FreePorts.WaitForListenerAsync(address, port, TimeSpan.FromSeconds(30));

            // The master holds a lock on its pid file that .NET's own file locking would trip over; cat does not.
            var (_, pid) = await ChildProcess.RunAsync("cat", [Path.Combine(root, "queue", "pid", "master.pid")]);
            return new PrivatePostfix(root, int.Parse(pid.Trim(), CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is InvalidOperationException or SocketException or FormatException)
        {
            // Postfix reports why in its log, not on the terminal; and a half-started instance is stopped here.
            var log = Path.Combine(root, "maillog");
            var reason = File.Exists(log) ? await File.ReadAllTextAsync(log) : "";
            await ChildProcess.RunAsync(Path.Combine(CommandDirectory, "postfix"), ["-c", etc, "stop"]);
            throw new InvalidOperationException($"Postfix did not start: {ex.Message} {reason}", ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await RunAsync(Path.Combine(CommandDirectory, "postfix"), ["-c", Path.Combine(_root, "etc"), "stop"]);
        var deadline = Stopwatch.StartNew();
        while (Directory.Exists($"/proc/{MasterPid}") && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        Directory.Delete(_root, recursive: true);
    }

    private static async Task RunAsync(string command, string[] arguments)
    {
        var (exit, output) = await ChildProcess.RunAsync(command, arguments, TimeSpan.FromMinutes(1));
        if (exit != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed ({exit}): {output}");
        }
    }

    private static string FindCommandDirectory()
    {
        foreach (var candidate in new[] { "/usr/sbin", "/usr/local/sbin" })
        {
            if (File.Exists(Path.Combine(candidate, "postfix")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("Postfix is not installed (tests/install-deps.sh installs the Debian package).");
    }
}
