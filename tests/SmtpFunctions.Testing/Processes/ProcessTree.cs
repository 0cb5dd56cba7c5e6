using System.Globalization;
using System.Runtime.InteropServices;

namespace SmtpFunctions.Testing.Processes;

/// <summary>
/// A process and its descendants seen through <c>/proc</c>: listed, measured and signalled by PID only, so that a test
/// never touches daemons of the same name that other test runs started.
/// </summary>
public static partial class ProcessTree
{
    /// <summary>SIGINT: what Ctrl-C sends; the one signal every Azurite entry point saves its data on.</summary>
    public const int Interrupt = 2;

    /// <summary>SIGTERM: asks a daemon to shut down.</summary>
    public const int Terminate = 15;

    /// <summary>SIGKILL: ends a process at once.</summary>
    public const int Kill = 9;

    /// <summary>Linux reports times in <c>/proc</c> in USER_HZ ticks, which is 100 on every architecture.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>The PID and the PIDs of all its live descendants (zombies excluded).</summary>
    public static IReadOnlyList<int> Of(int pid)
    {
        var all = ReadAll();
        var result = new List<int>();
        var pending = new Queue<int>();
        if (all.TryGetValue(pid, out var root) && root.State != 'Z')
        {
            pending.Enqueue(pid);
        }

        while (pending.TryDequeue(out var current))
        {
            result.Add(current);
            foreach (var child in all.Values.Where(p => p.ParentId == current && p.State != 'Z'))
            {
                pending.Enqueue(child.Id);
            }
        }

        return result;
    }

    /// <summary>The first live process named <paramref name="name"/> (the kernel's <c>comm</c>, at most 15 characters) in the tree of <paramref name="pid"/>.</summary>
    public static int? Find(int pid, string name)
    {
        var all = ReadAll();
        foreach (var member in Of(pid))
        {
            if (all.TryGetValue(member, out var stat) && stat.Name == name)
            {
                return member;
            }
        }

        return null;
    }

    /// <summary>True while the process exists and is not a zombie (a zombie has finished; only its parent's bookkeeping remains).</summary>
    public static bool IsAlive(int pid) => TryRead(pid, out var stat) && stat.State != 'Z';

    /// <summary>
    /// CPU time (user + system) used so far by the process and all its descendants, including descendants that have
    /// already exited and been reaped (the kernel adds those to their parent's children times).
    /// </summary>
    public static TimeSpan CpuTime(int pid)
    {
        var all = ReadAll();
        var ticks = Of(pid).Sum(id => all.TryGetValue(id, out var stat) ? stat.CpuTicks : 0);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>Sends a signal (<see cref="Terminate"/>, <see cref="Kill"/>, 1 for HUP…) to one live PID.</summary>
    public static void Signal(int pid, int signal)
    {
        if (IsAlive(pid))
        {
            _ = SendSignal(pid, signal); // ESRCH when it ended meanwhile is fine
        }
    }

    /// <summary>Waits until none of the PIDs is alive; false on timeout.</summary>
    public static async Task<bool> WaitForExitAsync(IEnumerable<int> pids, TimeSpan timeout)
    {
        var waiting = pids.ToList();
        var deadline = DateTime.UtcNow + timeout;
        while (waiting.Any(IsAlive))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }

    private static Dictionary<int, ProcStat> ReadAll()
    {
        var result = new Dictionary<int, ProcStat>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && TryRead(id, out var stat))
            {
                result[id] = stat;
            }
        }

        return result;
    }

    private static bool TryRead(int pid, out ProcStat stat)
    {
        stat = default;
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        // "pid (comm) S ppid …": comm may hold spaces and parentheses, so fields are counted after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        if (fields.Length < 15)
        {
            return false;
        }

        static long Field(string[] f, int index) => long.Parse(f[index], CultureInfo.InvariantCulture);

        // Offsets after the comm: 0 state, 1 ppid, 11 utime, 12 stime, 13 cutime, 14 cstime.
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var name = text[(open + 1)..text.LastIndexOf(')')];
        stat = new ProcStat(pid, name, fields[0][0], (int)Field(fields, 1), Field(fields, 11) + Field(fields, 12) + Field(fields, 13) + Field(fields, 14));
        return true;
    }

    private readonly record struct ProcStat(int Id, string Name, char State, int ParentId, long CpuTicks);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
