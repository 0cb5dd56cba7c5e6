using System.Net;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Testing.Azurite;

/// <summary>
/// Azurite (pinned in the root <c>package.json</c>, installed by <c>npm ci</c>) on 127.0.0.1 with free ports and its
/// own data folder, so that a test can stop it and start it again with its data intact.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    /// <summary>Azurite's well-known development account key (public, documented by Microsoft).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string _dataFolder;
    private readonly bool _ownsFolder;
    /// <summary>The account every instance has, the one <see cref="ConnectionString"/> names.</summary>
    public const string DefaultAccount = "devstoreaccount1";

    private readonly bool _inMemory;
    private readonly bool _processPerService;
    private readonly IReadOnlyList<string> _extraAccounts;
    // Each with the services it serves ("blob", … or "blob+queue+table" for one process).
    private readonly List<(ChildProcess Process, string Services)> _processes = [];

    private AzuriteProcess(string dataFolder, bool ownsFolder, bool inMemory, bool processPerService, int blobPort, int queuePort, int tablePort, IReadOnlyList<string> extraAccounts)
    {
        _dataFolder = dataFolder;
        _ownsFolder = ownsFolder;
        _inMemory = inMemory;
        _processPerService = processPerService;
        _extraAccounts = extraAccounts;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    /// <summary>Blob endpoint port.</summary>
    public int BlobPort { get; }

    /// <summary>Queue endpoint port.</summary>
    public int QueuePort { get; }

    /// <summary>Table endpoint port.</summary>
    public int TablePort { get; }

    /// <summary>The Azurite process ids (one, or one per service), none when stopped.</summary>
    public IReadOnlyList<int> ProcessIds => _processes.Select(p => p.Process.Id).ToList();

    /// <summary>CPU time (user + system) its processes have used so far, for the benchmarks' accounting.</summary>
    public TimeSpan CpuTime() => _processes.Aggregate(TimeSpan.Zero, (sum, p) => sum + ProcessTree.CpuTime(p.Process.Id));

    /// <summary>
    /// The same CPU time per process, by the services each serves ("blob", "queue", "table", or "blob+queue+table" for
    /// one process): with a process per service, the busiest one, not the sum, is what bounds a benchmark's rate.
    /// </summary>
    public IReadOnlyDictionary<string, TimeSpan> CpuTimeByProcess() =>
        _processes.ToDictionary(p => p.Services, p => ProcessTree.CpuTime(p.Process.Id));

    /// <summary>True while its processes run.</summary>
    public bool IsRunning => _processes.Count > 0 && _processes.All(p => p.Process.IsRunning);

    /// <summary>A storage connection string for this instance.</summary>
    public string ConnectionString => ConnectionStringFor(DefaultAccount);

    /// <summary>
    /// The connection string of one of its accounts: <see cref="DefaultAccount"/> or one of the extra accounts it was
    /// started with (path-style URLs, as Azurite serves them: the account is the path's first segment).
    /// </summary>
    public string ConnectionStringFor(string account) =>
        $"DefaultEndpointsProtocol=http;AccountName={account};" +
        $"AccountKey={KeyOf(account)};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{account};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{account};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{account};";

    /// <summary>An extra account's key (base64, as Azurite requires): derived from its name, so each account has its own.</summary>
    public static string KeyOf(string account) => account == DefaultAccount
        ? AccountKey
        : Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("azurite-test-key:" + account)));

    /// <summary>
    /// Starts Azurite on free ports with a fresh data folder (on disk, so it survives a restart), or with
    /// <paramref name="inMemory"/> for benchmarks where disk writes would only add noise.
    /// </summary>
    /// <param name="inMemory">No data folder.</param>
    /// <param name="extraAccounts">
    /// Accounts besides <see cref="DefaultAccount"/> (Azurite's <c>AZURITE_ACCOUNTS</c>, which replaces the default one, so it
    /// is named there too); each has its own key (<see cref="KeyOf"/>).
    /// </param>
    public static Task<AzuriteProcess> StartAsync(bool inMemory = false, params string[] extraAccounts) =>
        StartAsync(inMemory, processPerService: false, extraAccounts);

    /// <summary>
    /// Starts Azurite as <see cref="StartAsync(bool, string[])"/> does, or with <paramref name="processPerService"/> as three
    /// processes (<c>azurite-blob</c>, <c>azurite-queue</c>, <c>azurite-table</c>, on the same data folder): one Node event
    /// loop each instead of one for all three, as Azure's services are apart from each other. The benchmarks use it where
    /// Azurite's single thread, not the code under test, would otherwise be what they measure.
    /// </summary>
    public static async Task<AzuriteProcess> StartAsync(bool inMemory, bool processPerService, params string[] extraAccounts)
    {
        // A port picked free can still be taken before Azurite binds it (other test projects run at the same time): then
        // it exits with EADDRINUSE, and it is started again on other ports.
        for (var attempt = 1; ; attempt++)
        {
            var folder = Path.Combine(Path.GetTempPath(), "smtpfunctions-azurite-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(folder);
            var azurite = new AzuriteProcess(folder, ownsFolder: true, inMemory, processPerService, FreePorts.Next(), FreePorts.Next(), FreePorts.Next(), extraAccounts);
            try
            {
                await azurite.RunAsync();
                return azurite;
            }
            catch (InvalidOperationException ex) when (attempt < 3 && ex.Message.Contains("EADDRINUSE", StringComparison.Ordinal))
            {
                await azurite.DisposeAsync();
            }
        }
    }

    /// <summary>Stops its processes (SIGINT to each PID, so they save their data; killed after 10 s); data stays on disk.</summary>
    /// <remarks>
    /// SIGINT, not SIGTERM: the standalone <c>azurite-table</c> of a process per service handles only SIGINT, and SIGTERM
    /// killed it before it had written its tables (what <c>functions/run-local.sh</c> lost at every stop).
    /// </remarks>
    public async Task StopAsync()
    {
        await Task.WhenAll(_processes.Select(p => p.Process.TerminateAsync(TimeSpan.FromSeconds(10), ProcessTree.Interrupt)));
        foreach (var (process, _) in _processes)
        {
            await process.DisposeAsync();
        }

        _processes.Clear();
    }

    /// <summary>Starts it again on the same ports and data.</summary>
    public Task RestartAsync() => RunAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsFolder)
        {
            try
            {
                Directory.Delete(_dataFolder, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a dying process; the temp folder is cleaned by the OS eventually.
            }
        }
    }

    private int PortOf(string kind) => kind switch
    {
        "blob" => BlobPort,
        "queue" => QueuePort,
        _ => TablePort,
    };

    /// <summary>The young generation Azurite's V8 gets, in MB per semi-space (as <c>functions/run-local.sh</c> gives it).</summary>
    /// <remarks>
    /// With V8's default, Azurite under the benchmarks' load ran about three scavenges a second, half of them 10 ms or
    /// longer and up to 65 ms, and a request that meets one waits it out: they were the tail of its latency and of ours.
    /// With 64 MB it ran a third as many, used 18 % less CPU per submission, and our p99 paced at 50/s fell from 128–145 to
    /// 71–108 ms (docs/scale.md, "Accept latency"). A <c>--max-semi-space-size</c> already in NODE_OPTIONS wins, so the
    /// default can still be measured.
    /// </remarks>
    public const int SemiSpaceMegabytes = 64;

    private static string NodeOptions()
    {
        var inherited = System.Environment.GetEnvironmentVariable("NODE_OPTIONS") ?? "";
        return inherited.Contains("--max-semi-space-size", StringComparison.Ordinal)
            ? inherited
            : $"{inherited} --max-semi-space-size={SemiSpaceMegabytes}".Trim();
    }

    private async Task RunAsync()
    {
        if (IsRunning)
        {
            return;
        }

        await StopAsync();

        string[] kindsOfAll = ["blob", "queue", "table"];
        var services = _processPerService
            ? kindsOfAll.Select(kind => (Command: "azurite-" + kind, Kinds: new[] { kind })).ToArray()
            : [(Command: "azurite", Kinds: kindsOfAll)];
        var listeners = new List<(ChildProcess Process, int Port)>();
        var environment = new Dictionary<string, string> { ["NODE_OPTIONS"] = NodeOptions() };
        if (_extraAccounts.Count > 0)
        {
            environment["AZURITE_ACCOUNTS"] = string.Join(';', new[] { DefaultAccount }.Concat(_extraAccounts).Select(a => a + ":" + KeyOf(a)));
        }

        foreach (var (command, kinds) in services)
        {
            var executable = RepositoryPaths.Combine("node_modules", ".bin", command);
            if (!File.Exists(executable))
            {
                throw new InvalidOperationException(
                    $"Azurite is not installed at {executable}. Run 'npm ci' in {RepositoryPaths.Root} (tests/run-tests.sh does).");
            }

            string[] arguments =
            [
                "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose",
                .. (_inMemory ? (string[])["--inMemoryPersistence"] : ["--location", _dataFolder]),
                .. kinds.SelectMany(kind => new[] { $"--{kind}Host", "127.0.0.1", $"--{kind}Port", PortOf(kind).ToString(System.Globalization.CultureInfo.InvariantCulture) }),
            ];
            var process = ChildProcess.Start(executable, arguments, environment: environment);
            _processes.Add((process, string.Join('+', kinds)));
            listeners.AddRange(kinds.Select(kind => (process, PortOf(kind))));
        }

        var timeout = TimeSpan.FromSeconds(60);
        foreach (var (running, port) in listeners)
        {
            try
            {
                await FreePorts.WaitForListenerAsync(IPAddress.Loopback, port, timeout, () => running.IsRunning);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"Azurite did not start listening on {port}: {running.Output}", ex);
            }
        }
    }
}
