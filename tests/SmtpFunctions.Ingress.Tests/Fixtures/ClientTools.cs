using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Ingress.Tests.Fixtures;

/// <summary>
/// The independent SMTP clients the tests drive besides Postfix's smtp-source (the shared <c>SmtpSource</c> fixture);
/// the test script installs them.
/// </summary>
public static class ClientTools
{
    /// <summary>swaks, the Swiss Army Knife for SMTP.</summary>
    public static string Swaks => Find("swaks", "/usr/bin/swaks", "/usr/local/bin/swaks");

    /// <summary>Python 3, for smtplib.</summary>
    public static string Python => Find("python3", "/usr/bin/python3", "/usr/local/bin/python3");

    /// <summary>Runs a tool and returns its exit code and combined output.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(string tool, IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        ChildProcess.RunAsync(tool, arguments, timeout ?? TimeSpan.FromMinutes(2));

    private static string Find(string name, params string[] candidates)
    {
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"{name} is not installed; tests/install-deps.sh installs it (Debian packages swaks, python3).");
    }
}
