using System.Globalization;
using System.Net;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Testing.Postfix;

/// <summary>
/// Postfix's <c>smtp-sink</c> as a scripted SMTP peer on its own 127.a.b.c address: it accepts (or, per
/// <see cref="SmtpSinkOptions"/>, soft-rejects, hard-rejects, 421s or drops after) chosen commands, dumps each message
/// to a file, and its verbose log gives the sessions it saw, concurrency included.
/// </summary>
/// <remarks>
/// smtp-sink is one process with one event loop, so its log is in the order it handled events: a client that sent
/// QUIT and got 221 before opening its next session is always logged as disconnected before that next connect, and
/// <see cref="SmtpSinkSessions.MaxConcurrent"/> never over-counts such a client. (A client that drops a connection
/// without QUIT and at once opens another may be seen overlapping for the length of one event-loop turn.)
/// smtp-sink has no STARTTLS and announces neither SIZE nor SMTPUTF8. One set of options holds for all sessions of
/// a run: scenarios that change between attempts (451 then 250, drop then accept) call
/// <see cref="ReconfigureAsync"/>, which restarts it on the same address and port, and every message records the
/// run that took it. Running as root, smtp-sink must switch user (<c>-u postfix</c>); its dump folders belong to
/// that user.
/// </remarks>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly string _directory;
    private readonly List<(int Run, SmtpSinkOptions Options, string DumpDirectory)> _runs = [];
    private readonly List<string> _previousOutput = [];
    private DaemonProcess? _process;
    private IReadOnlyList<int> _lastProcessIds = [];

    private SmtpSink(string directory, IPAddress address, int port)
    {
        _directory = directory;
        Address = address;
        Port = port;
    }

    /// <summary>Listening address.</summary>
    public IPAddress Address { get; }

    /// <summary>Listening port.</summary>
    public int Port { get; }

    /// <summary>Listening endpoint.</summary>
    public IPEndPoint EndPoint => new(Address, Port);

    /// <summary>The options of the current run.</summary>
    public SmtpSinkOptions Options => _runs[^1].Options;

    /// <summary>True while the process runs.</summary>
    public bool IsRunning => _process?.IsRunning ?? false;

    /// <summary>The PID of the current run, or of the last one when stopped (smtp-sink is a single process).</summary>
    public IReadOnlyList<int> ProcessIds => _process?.ProcessIds ?? _lastProcessIds;

    /// <summary>Starts smtp-sink on <paramref name="address"/> (default a fresh 127.a.b.c) and <paramref name="port"/> (default free).</summary>
    public static async Task<SmtpSink> StartAsync(SmtpSinkOptions? options = null, IPAddress? address = null, int? port = null, CancellationToken cancellationToken = default)
    {
        var listen = address ?? LoopbackAddresses.Next();
        var sink = new SmtpSink(
            Path.Combine(Path.GetTempPath(), "smtpfunctions-sink-" + Guid.NewGuid().ToString("N")[..12]),
            listen,
            port ?? FreePorts.Next(listen));
        Directory.CreateDirectory(sink._directory);
        try
        {
            await sink.RunAsync(options ?? new SmtpSinkOptions(), cancellationToken);
            return sink;
        }
        catch
        {
            await sink.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops this run and starts the next on the same address and port with other options (sessions and messages are kept).</summary>
    public async Task ReconfigureAsync(SmtpSinkOptions options, CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await RunAsync(options, cancellationToken);
    }

    /// <summary>Everything smtp-sink printed, all runs.</summary>
    public string Output => string.Concat(_previousOutput) + (_process?.Output ?? string.Empty);

    /// <summary>Sessions seen so far, all runs (needs <see cref="SmtpSinkOptions.TrackSessions"/>).</summary>
    public SmtpSinkSessions GetSessionStatistics()
    {
        int total = 0, open = 0, max = 0;
        foreach (var line in Output.Split('\n'))
        {
            if (line.Contains("smtp-sink: connect (", StringComparison.Ordinal))
            {
                total++;
                open++;
                max = Math.Max(max, open);
            }
            else if (line.Contains("smtp-sink: disconnect", StringComparison.Ordinal))
            {
                open--;
            }
            else if (line.Contains("smtp-sink: trying...", StringComparison.Ordinal))
            {
                open = 0; // a new run: sessions of the killed one are gone
            }
        }

        return new SmtpSinkSessions(total, max, open);
    }

    /// <summary>
    /// Messages received (DATA ended with the dot) in this run, counted by smtp-sink itself (<c>-c</c>), also when not
    /// captured; for benchmarks.
    /// </summary>
    public int CountMessagesThisRun()
    {
        var output = _process?.Output ?? string.Empty;
        var marker = output.LastIndexOf("mesg=", StringComparison.Ordinal);
        if (marker < 0)
        {
            return 0;
        }

        var digits = output.AsSpan(marker + 5);
        var length = 0;
        while (length < digits.Length && char.IsAsciiDigit(digits[length]))
        {
            length++;
        }

        return int.Parse(digits[..length], CultureInfo.InvariantCulture);
    }

    /// <summary>Messages dumped so far, all runs, oldest first; a message still being received is not included.</summary>
    public IReadOnlyList<SinkMessage> ReadMessages()
    {
        var open = OpenFiles();
        return _runs
            .Where(run => Directory.Exists(run.DumpDirectory))
            .SelectMany(run => Directory.EnumerateFiles(run.DumpDirectory)
                .Where(path => !open.Contains(path))
                .Select(path => (run, path, written: File.GetLastWriteTimeUtc(path))))
            .OrderBy(item => item.run.Run)
            .ThenBy(item => item.written)
            .Select(item => SinkMessage.Parse(item.path, item.run.Run, item.run.Options.AcceptsMessages))
            .ToList();
    }

    /// <summary>Accepted messages only (those a client was told 250 for).</summary>
    public IReadOnlyList<SinkMessage> ReadAcceptedMessages() => ReadMessages().Where(m => m.Accepted).ToList();

    /// <summary>Waits until at least <paramref name="count"/> messages matching <paramref name="filter"/> (default: all) were dumped.</summary>
    public async Task<IReadOnlyList<SinkMessage>> WaitForMessagesAsync(int count = 1, Func<SinkMessage, bool>? filter = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var messages = ReadMessages().Where(filter ?? (_ => true)).ToList();
            if (messages.Count >= count)
            {
                return messages;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"smtp-sink {EndPoint}: waited for {count} message(s), found {messages.Count}.\n{DaemonFiles.Tail(Output)}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>
    /// Waits until smtp-sink has logged at least <paramref name="total"/> sessions (needs
    /// <see cref="SmtpSinkOptions.TrackSessions"/>): its log line can follow the client's disconnect by a moment.
    /// </summary>
    public async Task<SmtpSinkSessions> WaitForSessionsAsync(int total, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (GetSessionStatistics() is var sessions && sessions.Total < total)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"smtp-sink {EndPoint} logged {sessions.Total} of {total} sessions.\n{DaemonFiles.Tail(Output)}");
            }

            await Task.Delay(20, cancellationToken);
        }

        return GetSessionStatistics();
    }

    /// <summary>Waits until no session is open (needs <see cref="SmtpSinkOptions.TrackSessions"/>).</summary>
    public async Task WaitForIdleAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (GetSessionStatistics().Open > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"smtp-sink {EndPoint} still has open sessions.\n{DaemonFiles.Tail(Output)}");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Stops the current run (TERM, then KILL, by PID); messages stay readable until dispose.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        var process = _process;
        _process = null;
        _lastProcessIds = await process.StopAsync();
        _previousOutput.Add(process.Output);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        DaemonFiles.DeleteFolder(_directory);
    }

    private async Task RunAsync(SmtpSinkOptions options, CancellationToken cancellationToken)
    {
        var run = _runs.Count;
        var dumps = Path.Combine(_directory, $"run{run}");
        Directory.CreateDirectory(dumps);
        PostfixInstallation.GiveToMailOwner(dumps);
        _runs.Add((run, options, dumps));

        var executable = PostfixInstallation.Command("smtp-sink");
        _process = DaemonProcess.Start(executable, BuildArguments(options, dumps));
        var process = _process;
        try
        {
            await SocketTable.WaitForListenerAsync(Address, Port, TimeSpan.FromSeconds(15), () => process.IsRunning, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"smtp-sink did not start on {SocketTable.Format(Address, Port)}: {ex.Message}\n{executable} {string.Join(' ', BuildArguments(options, dumps))}\n{process.Output}", ex);
        }
    }

    private List<string> BuildArguments(SmtpSinkOptions o, string dumps)
    {
        var args = new List<string> { "-u", PostfixInstallation.MailOwnerName, "-c", "-h", o.HostName };
        void Commands(string flag, IReadOnlyList<string> commands)
        {
            if (commands.Count > 0)
            {
                args.Add(flag);
                args.Add(string.Join(',', commands));
            }
        }

        Commands("-r", o.SoftReject);
        Commands("-f", o.HardReject);
        Commands("-q", o.DisconnectAfter);
        Commands("-Q", o.ServiceUnavailableAfter);
        if (o.SoftRejectReply is { } soft)
        {
            args.AddRange(["-b", soft]);
        }

        if (o.HardRejectReply is { } hard)
        {
            args.AddRange(["-B", hard]);
        }

        if (!o.Esmtp)
        {
            args.Add("-e");
        }

        if (!o.Pipelining)
        {
            args.Add("-p");
        }

        if (!o.EightBitMime)
        {
            args.Add("-8");
        }

        if (!o.EnhancedStatusCodes)
        {
            args.Add("-E");
        }

        if (!o.Dsn)
        {
            args.Add("-N");
        }

        if (!o.Auth)
        {
            args.Add("-a");
        }

        if (o.Lmtp)
        {
            args.Add("-L");
        }

        if (o.MaxConcurrentSessions is { } max)
        {
            args.AddRange(["-m", max.ToString(CultureInfo.InvariantCulture)]);
        }

        if (o.DataReplyDelay is { } delay)
        {
            args.AddRange(["-w", Seconds(delay)]);
        }

        foreach (var (command, wait) in o.CommandDelays)
        {
            args.AddRange(["-W", $"{command}:{Seconds(wait)}"]);
        }

        if (o.CaptureMessages)
        {
            args.AddRange(["-d", Path.Combine(dumps, "msg.")]);
        }

        if (o.TrackSessions)
        {
            args.Add("-v");
        }

        args.Add("inet:" + SocketTable.Format(Address, Port));
        args.Add(o.Backlog.ToString(CultureInfo.InvariantCulture));
        return args;
    }

    private static string Seconds(TimeSpan delay) => ((int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>Dump files smtp-sink still holds open (a transaction in progress), from <c>/proc/PID/fd</c>.</summary>
    private HashSet<string> OpenFiles()
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        if (_process is not { IsRunning: true } process)
        {
            return result;
        }

        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{process.Id}/fd"))
            {
                if (new FileInfo(fd).LinkTarget is { } target)
                {
                    result.Add(target);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process ended meanwhile: nothing is open.
        }

        return result;
    }
}
