using System.Globalization;

namespace SmtpFunctions.Benchmarks.Ingress;

/// <summary>
/// CPU time of a process and all its descendants, living or already reaped, from <c>/proc</c>: what a multi-process
/// server such as Postfix (master, smtpd, cleanup, trivial-rewrite, qmgr, postlogd, …) costs in all.
/// </summary>
/// <remarks>
/// A reaped child's time is in its parent's cutime/cstime, a living one's in its own utime/stime, so the sum over the
/// tree of all four fields counts every process exactly once. Linux reports them in USER_HZ ticks, 100 per second.
/// </remarks>
public static class ProcessTreeCpu
{
    private const double TicksPerSecond = 100;

    /// <summary>CPU time of <paramref name="root"/> and every process below it so far.</summary>
    public static TimeSpan Of(int root)
    {
        var stats = new Dictionary<int, (int Parent, long Ticks)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } stat)
            {
                stats[pid] = stat;
            }
        }

        var children = stats.ToLookup(s => s.Value.Parent, s => s.Key);
        var total = 0L;
        var pending = new Stack<int>([root]);
        while (pending.Count > 0)
        {
            var pid = pending.Pop();
            if (stats.TryGetValue(pid, out var stat))
            {
                total += stat.Ticks;
            }

            foreach (var child in children[pid])
            {
                pending.Push(child);
            }
        }

        return TimeSpan.FromSeconds(total / TicksPerSecond);
    }

    private static (int Parent, long Ticks)? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name may hold spaces and parentheses: fields start after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);
        return ((int)Field(1), Field(11) + Field(12) + Field(13) + Field(14));
    }
}
