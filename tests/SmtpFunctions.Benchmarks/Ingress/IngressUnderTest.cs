using System.Globalization;
using System.Net;
using Azure.Data.Tables;
using SmtpFunctions.Benchmarks.Measurement;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Postfix;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Benchmarks.Ingress;

/// <summary>
/// One build of the SMTP ingress as a process, started as the container starts it (entry point, production
/// environment, trusted 127.0.0.1 since smtp-source speaks neither TLS nor AUTH), with what its measured rounds cost:
/// user and system CPU, background JIT, Azurite's CPU, and the messages it committed.
/// </summary>
public sealed class IngressUnderTest : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly TableClient _table;

    private IngressUnderTest(string label, ChildProcess process, IPEndPoint endPoint, TableClient table)
    {
        Label = label;
        _process = process;
        EndPoint = endPoint;
        _table = table;
    }

    /// <summary>What the results table calls it.</summary>
    public string Label { get; }

    /// <summary>Its SMTP (port 587 role) endpoint.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Its process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Messages committed during its rounds (message rows in the status table).</summary>
    public int Accepted { get; private set; }

    /// <summary>Wall time of its rounds.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>User-mode CPU of its rounds.</summary>
    public TimeSpan User { get; private set; }

    /// <summary>Kernel CPU of its rounds (sockets, futexes, page faults).</summary>
    public TimeSpan System { get; private set; }

    /// <summary>Of that, the background JIT thread's.</summary>
    public TimeSpan Jit { get; private set; }

    /// <summary>Azurite's CPU during its rounds.</summary>
    public TimeSpan AzuriteCpu { get; private set; }

    /// <summary>Starts the ingress at <paramref name="assembly"/> against <paramref name="azurite"/> and waits for its listener.</summary>
    public static async Task<IngressUnderTest> StartAsync(string label, string assembly, AzuriteProcess azurite, string certificateFolder)
    {
        var port = FreePorts.Next();
        var process = ChildProcess.Start("dotnet", [assembly], environment: Environment(azurite, port, certificateFolder));
        await FreePorts.WaitForListenerAsync(IPAddress.Loopback, port, TimeSpan.FromSeconds(60), () => process.IsRunning);
        return new IngressUnderTest(label, process, new IPEndPoint(IPAddress.Loopback, port), new TableClient(azurite.ConnectionString, StorageNames.MessagesTable));
    }

    /// <summary>
    /// The environment the ingress benchmarks start it with: the container's (production), storage on
    /// <paramref name="azurite"/>, SMTP on 127.0.0.1:<paramref name="port"/> with 127.0.0.1 trusted (no TLS or AUTH needed).
    /// </summary>
    public static Dictionary<string, string> Environment(AzuriteProcess azurite, int port, string certificateFolder) => new()
    {
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
        ["Ingress__Port"] = port.ToString(CultureInfo.InvariantCulture),
        ["Ingress__ImplicitTlsPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
        ["Ingress__HealthPort"] = "0",
        ["Ingress__BindAddress"] = "127.0.0.1",
        ["Ingress__ServerName"] = "bench-ingress.test",
        ["Ingress__TrustedNetworks"] = "127.0.0.1/32",
        ["Ingress__DevCertificate"] = "true",
        ["Ingress__DevCertificateFolder"] = certificateFolder,
        ["Ingress__CreateStorage"] = "true",
    };

    /// <summary>One measured round: runs <paramref name="load"/> and adds what it cost; returns smtp-source's report.</summary>
    public async Task<string> RoundAsync(int round, Func<Task<SmtpSourceResult>> load, AzuriteProcess azurite)
    {
        var before = await CountMessagesAsync();
        var (user, system) = UserAndSystem(ProcessId);
        var jitSampler = ThreadCpuSampler.Start(ProcessId, ProcessCpu.JitThread);
        var storageCpu = azurite.CpuTime();
        var run = await load();
        var (userAfter, systemAfter) = UserAndSystem(ProcessId);
        User += userAfter - user;
        System += systemAfter - system;
        Jit += await jitSampler.StopAsync();
        AzuriteCpu += azurite.CpuTime() - storageCpu;
        Elapsed += run.Elapsed;
        Accepted += await CountMessagesAsync() - before;
        return $"{Label.Trim()}, round {round + 1}: exit {run.ExitCode} {(run.Output.Length > 600 ? run.Output[^600..] : run.Output)}";
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _process.DisposeAsync();

    // utime and stime of /proc/PID/stat, fields 14 and 15, counted after the ")" that ends the name.
    private static (TimeSpan User, TimeSpan System) UserAndSystem(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (ProcessCpu.FromTicks(long.Parse(fields[11], CultureInfo.InvariantCulture)), ProcessCpu.FromTicks(long.Parse(fields[12], CultureInfo.InvariantCulture)));
    }

    private async Task<int> CountMessagesAsync()
    {
        var count = 0;
        await foreach (var _ in _table.QueryAsync<TableEntity>($"RowKey ge '{MessageEntity.RowKeyPrefix}' and RowKey lt 'm;'", select: ["PartitionKey"]))
        {
            count++;
        }

        return count;
    }
}
