using System.Net;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.LocalHost.Tests.Recovery;

/// <summary>
/// The local host as built (<c>functions/SmtpFunctions.LocalHost/bin/…/SmtpFunctions.LocalHost.dll</c>), run by
/// <c>dotnet</c> as its own process with settings on the command line, so that a test can kill it (SIGKILL, by PID)
/// and start it again on the same port and storage.
/// </summary>
internal sealed class LocalHostProcess : IAsyncDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly List<string> _previousOutput = [];
    private DaemonProcess? _process;

    private LocalHostProcess(IReadOnlyDictionary<string, string> settings, int port)
    {
        _settings = settings;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Add("x-functions-key", settings["LocalHost:FunctionKey"]);
    }

    /// <summary>The build output the process runs.</summary>
    public static string Folder { get; } = RepositoryPaths.Combine("functions", "SmtpFunctions.LocalHost", "bin", Configuration, "net10.0");

    /// <summary>The HTTP port.</summary>
    public int Port { get; }

    /// <summary>A client with the function key.</summary>
    public HttpClient Client { get; }

    /// <summary>The PID of the current run, or 0 when stopped.</summary>
    public int ProcessId => _process is { IsRunning: true } process ? process.Id : 0;

    /// <summary>True while the current run's process is alive.</summary>
    public bool IsRunning => _process?.IsRunning ?? false;

    /// <summary>Everything every run printed (its console log, one line per entry).</summary>
    public string Output => string.Concat(_previousOutput) + (_process?.Output ?? string.Empty);

    /// <summary>Starts the host and waits until it listens for HTTP.</summary>
    public static async Task<LocalHostProcess> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var host = new LocalHostProcess(settings, FreePorts.Next());
        try
        {
            await host.RunAsync();
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL by PID: no shutdown, no lease released, nothing flushed (kill -9).</summary>
    public async Task KillAsync()
    {
        if (_process is null)
        {
            return;
        }

        var process = _process;
        _process = null;
        await process.StopAsync(signal: ProcessTree.Kill);
        _previousOutput.Add(process.Output);
    }

    /// <summary>Starts it again with the same settings and port.</summary>
    public Task RestartAsync() => RunAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            var process = _process;
            _process = null;
            await process.StopAsync();
            _previousOutput.Add(process.Output);
        }

        Client.Dispose();
    }

    private async Task RunAsync()
    {
        var entry = Path.Combine(Folder, "SmtpFunctions.LocalHost.dll");
        if (!File.Exists(entry))
        {
            throw new InvalidOperationException($"{entry} is missing: build functions/SmtpFunctions.LocalHost in {Configuration} first (the test project's build does).");
        }

        var arguments = new List<string> { entry, "--urls", $"http://127.0.0.1:{Port}" };
        foreach (var (key, value) in _settings)
        {
            arguments.Add($"--{key}={value}");
        }

        var process = DaemonProcess.Start("dotnet", arguments, Folder);
        _process = process;
        try
        {
            await FreePorts.WaitForListenerAsync(IPAddress.Loopback, Port, TimeSpan.FromSeconds(60), () => process.IsRunning);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"The local host did not start listening on {Port}:\n{process.Output}", ex);
        }
    }
}
