using System.Diagnostics;

namespace SmtpFunctions.Testing.Processes;

/// <summary>
/// Kills a fixture's daemons (by PID) when the test process exits without having disposed the fixture — a test that
/// failed between start and dispose, a crash of the test code — so that no daemon outlives the run that started it.
/// </summary>
/// <remarks>
/// Daemons such as Postfix's master run in their own session and survive the test host otherwise. Only
/// <see cref="AppDomain.ProcessExit"/> is hooked, so a host killed with SIGKILL still leaks; the temp folders make such
/// leftovers easy to recognise (smtpfunctions-*).
/// </remarks>
public sealed class ExitGuard : IDisposable
{
    private readonly Func<IReadOnlyList<int>> _processIds;
    private readonly EventHandler _onExit;

    private ExitGuard(Func<IReadOnlyList<int>> processIds)
    {
        _processIds = processIds;
        _onExit = (_, _) => KillAll();
        AppDomain.CurrentDomain.ProcessExit += _onExit;
    }

    /// <summary>Until disposed, the PIDs <paramref name="processIds"/> returns at exit time are killed when the process exits.</summary>
    public static IDisposable Register(Func<IReadOnlyList<int>> processIds) => new ExitGuard(processIds);

    /// <inheritdoc />
    public void Dispose() => AppDomain.CurrentDomain.ProcessExit -= _onExit;

    private void KillAll()
    {
        foreach (var pid in _processIds().Reverse())
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }
    }
}
