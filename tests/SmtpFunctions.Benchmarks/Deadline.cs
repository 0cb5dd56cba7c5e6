using System.Globalization;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Benchmarks;

/// <summary>The whole run's deadline (<c>--deadline MINUTES</c>, before or among a benchmark's own options; default 45).</summary>
internal static class Deadline
{
    /// <summary>Time a cancelled benchmark has to print what it measured and stop its processes itself.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan Default = TimeSpan.FromMinutes(45);

    /// <summary>The deadline, and the arguments left for the benchmark.</summary>
    public static (TimeSpan Deadline, string[] Remaining) Parse(IReadOnlyList<string> args)
    {
        var rest = new List<string>();
        var deadline = Default;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--deadline" && i + 1 < args.Count)
            {
                deadline = TimeSpan.FromMinutes(double.Parse(args[++i], CultureInfo.InvariantCulture));
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        return (deadline, rest.ToArray());
    }

    /// <summary>
    /// After <paramref name="after"/>, kills every process this one started (Azurite, Postfix, smtp-source, BIND…) and
    /// exits with 3: a benchmark stuck where no token reaches (a child process's own wait) still ends.
    /// </summary>
    public static Timer Watch(TimeSpan after, string name) => new(_ =>
    {
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: still running past its deadline ({after.TotalMinutes:F0} min with the grace) or a SIGTERM's grace; killing what it started and exiting with 3"));
        var self = Environment.ProcessId;
        foreach (var pid in ProcessTree.Of(self).Where(p => p != self).Reverse())
        {
            ProcessTree.Signal(pid, ProcessTree.Kill);
        }

        Environment.Exit(3);
    }, null, after, Timeout.InfiniteTimeSpan);
}
