namespace SmtpFunctions.Testing.Processes;

/// <summary>
/// A daemon a test fixture started (Postfix, smtp-sink, named, Dovecot): its whole process tree followed through
/// <c>/proc</c>, stopped by PID (a signal, then KILL for whatever outlives the grace time), and killed when the test
/// host exits without having stopped it.
/// </summary>
public sealed class DaemonProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly IDisposable _exitGuard;
    private IReadOnlyList<int>? _stopped;

    private DaemonProcess(ChildProcess process)
    {
        _process = process;
        _exitGuard = ExitGuard.Register(() => ProcessIds);
    }

    /// <summary>PID of the process started (the root of the tree).</summary>
    public int Id => _process.Id;

    /// <summary>True until the started process exits.</summary>
    public bool IsRunning => _process.IsRunning;

    /// <summary>What it wrote to stdout and stderr.</summary>
    public string Output => _process.Output;

    /// <summary>The live PIDs of the tree now; after <see cref="StopAsync"/>, those it had when stopped.</summary>
    public IReadOnlyList<int> ProcessIds => _stopped ?? ProcessTree.Of(_process.Id);

    /// <summary>CPU time of the whole tree so far, exited members included; zero once stopped.</summary>
    public TimeSpan CpuTime => _stopped is null ? ProcessTree.CpuTime(_process.Id) : TimeSpan.Zero;

    /// <summary>Starts <paramref name="fileName"/>, output captured, with <paramref name="environment"/> added to ours.</summary>
    public static DaemonProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, IDictionary<string, string>? environment = null) =>
        new(ChildProcess.Start(fileName, arguments, workingDirectory, environment));

    /// <summary>The PID of the first process called <paramref name="name"/> in the tree (e.g. Postfix's <c>master</c>).</summary>
    public int? Find(string name) => ProcessTree.Find(_process.Id, name);

    /// <summary>
    /// Sends <paramref name="signal"/> (default SIGTERM) to <paramref name="target"/> (default: the root), waits up to
    /// <paramref name="grace"/> (default 10 s) for every member of the tree to end, then KILLs the rest by PID.
    /// Returns the PIDs the tree had, so that tests can prove each one is gone.
    /// </summary>
    public async Task<IReadOnlyList<int>> StopAsync(int? target = null, int signal = ProcessTree.Terminate, TimeSpan? grace = null)
    {
        if (_stopped is not null)
        {
            return _stopped;
        }

        var members = ProcessTree.Of(_process.Id);
        _stopped = members;
        if (members.Count > 0)
        {
            ProcessTree.Signal(target ?? _process.Id, signal);
            if (!await ProcessTree.WaitForExitAsync(members, grace ?? TimeSpan.FromSeconds(10)))
            {
                foreach (var pid in members.Where(ProcessTree.IsAlive))
                {
                    ProcessTree.Signal(pid, ProcessTree.Kill);
                }

                await ProcessTree.WaitForExitAsync(members, TimeSpan.FromSeconds(10));
            }
        }

        await _process.DisposeAsync();
        _exitGuard.Dispose();
        return members;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync();
}
