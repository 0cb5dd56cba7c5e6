using System.Diagnostics;

namespace SmtpFunctions.Testing.Postfix;

/// <summary>Where Debian's Postfix keeps its programs (asked of <c>postconf</c>), and the account it runs mail as.</summary>
public static class PostfixInstallation
{
    private static readonly Lazy<(string Commands, string Daemons)> Directories = new(ReadDirectories);
    private static readonly Lazy<(int Uid, int Gid)> Owner = new(() => ReadAccount(MailOwnerName));

    /// <summary>The account Postfix drops privileges to (<c>mail_owner</c>); it owns queue data and delivered mail.</summary>
    public const string MailOwnerName = "postfix";

    /// <summary>The group of the set-gid queue programs (<c>setgid_group</c>); it owns queue/public and queue/maildrop.</summary>
    public const string SetgidGroupName = "postdrop";

    /// <summary><c>command_directory</c>: postfix, postconf, postqueue, smtp-sink, smtp-source (on Debian /usr/sbin).</summary>
    public static string CommandDirectory => Directories.Value.Commands;

    /// <summary><c>daemon_directory</c>: master, smtpd, postfix-script (on Debian /usr/lib/postfix/sbin).</summary>
    public static string DaemonDirectory => Directories.Value.Daemons;

    /// <summary>Numeric uid and gid of <see cref="MailOwnerName"/>, for <c>virtual_uid_maps</c>.</summary>
    public static (int Uid, int Gid) MailOwner => Owner.Value;

    /// <summary>The full path of a program in <see cref="CommandDirectory"/>, checked to exist.</summary>
    public static string Command(string name)
    {
        var path = Path.Combine(CommandDirectory, name);
        return File.Exists(path) ? path : throw NotInstalled($"{path} does not exist");
    }

    /// <summary>Gives a directory (recursively) to <see cref="MailOwnerName"/>, which must write there.</summary>
    public static void GiveToMailOwner(string path) => ChangeOwner(path, MailOwnerName + ":" + MailOwnerName);

    /// <summary>Runs <c>chown -R</c> (there is no .NET API for it).</summary>
    internal static void ChangeOwner(string path, string owner) => Run("chown", ["-R", owner, path]);

    /// <summary>Runs a short system command (chown, install) and throws with its output when it fails.</summary>
    internal static void Run(string fileName, string[] arguments)
    {
        RequireRoot();
        var (exitCode, output) = RunSync(fileName, arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} failed ({exitCode}): {output}");
        }
    }

    /// <summary>
    /// Private Postfix instances, smtp-sink and Dovecot hand their files to the <c>postfix</c> account and drop
    /// privileges to it, which only root can do: say so plainly instead of failing deep inside chown or postfix.
    /// </summary>
    public static void RequireRoot()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException(
                "The integration test peers (private Postfix, smtp-sink, Dovecot) must run as root: they give their queue and mail " +
                "directories to the 'postfix' account and drop privileges to it. Run the tests as root, e.g. 'sudo tests/run-tests.sh'.");
        }
    }

    internal static (int Uid, int Gid) ReadAccount(string name)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length > 3 && fields[0] == name)
            {
                return (int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture), int.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        throw NotInstalled($"there is no '{name}' account in /etc/passwd");
    }

    internal static InvalidOperationException NotInstalled(string detail) =>
        new($"The test peers' Debian packages are missing ({detail}). Run 'sudo tests/install-deps.sh' (tests/run-tests.sh does).");

    private static (string Commands, string Daemons) ReadDirectories()
    {
        if (!File.Exists("/usr/sbin/postconf"))
        {
            throw NotInstalled("/usr/sbin/postconf does not exist");
        }

        var (exitCode, output) = RunSync("/usr/sbin/postconf", "-h", "command_directory", "daemon_directory");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (exitCode != 0 || lines.Length != 2)
        {
            throw new InvalidOperationException($"postconf -h command_directory daemon_directory failed ({exitCode}): {output}");
        }

        return (lines[0], lines[1]);
    }

    private static (int ExitCode, string Output) RunSync(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var errors = new System.Text.StringBuilder();
        using var process = new Process { StartInfo = info };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginErrorReadLine();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        lock (errors)
        {
            return (process.ExitCode, output + errors);
        }
    }
}
