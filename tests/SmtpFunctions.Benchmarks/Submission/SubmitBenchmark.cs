using System.Globalization;
using System.Net;
using System.Text;
using SmtpFunctions.Benchmarks.Measurement;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Benchmarks.Submission;

/// <summary>
/// N 2 KB JSON submissions over HTTP to the local host with C concurrent clients; beside it, in the same run, the
/// ceiling Azurite imposes on the same blob + table transaction + queue writes done by a minimal client.
/// </summary>
public sealed class SubmitBenchmark : IBenchmark
{
    private const string Key = "benchmark-function-key-0123456789";

    /// <inheritdoc />
    public string Name => "submit";

    /// <inheritdoc />
    public string Description => "HTTP submissions/s, p50/p99, CPU per 1,000 vs Azurite's write ceiling (--n 2000 --c 8 [--host DLL] [--auth key|function-key])";

    /// <inheritdoc />
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var options = new BenchmarkArguments(args);
        var count = options.Number("n", 2000);
        var concurrency = options.Number("c", 8);
        var warmup = options.Number("warmup", 500);

        // Our host and each ceiling run get an Azurite of their own: what one run leaves behind (and deletes) slows every
        // later request to the same Azurite, and its table gets slower as it fills, so all three start equally empty.
        await using var azurite = await AzuriteProcess.StartAsync(inMemory: true);
        // --auth key (the default): every submission carries an API key and the host accepts nothing without one, so the
        // key lookup is on the measured path; --auth function-key measures the same run without it, for the difference.
        var withApiKey = (options.Text("auth") ?? "key") == "key";
        var apiKey = withApiKey ? await CreateApiKeyAsync(azurite.ConnectionString, cancellationToken) : null;
        var port = FreePorts.Next();
        // The host runs as built: its own runtimeconfig (GC mode, thread pool settings) is part of what is measured.
        await using var host = ChildProcess.Start("dotnet", [options.Text("host") ?? BuildOutput.Assembly("SmtpFunctions.LocalHost"), "--urls", $"http://127.0.0.1:{port}"],
            environment: new Dictionary<string, string>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["LocalHost__FunctionKey"] = Key,
                ["LocalHost__RunQueueListener"] = "false",
                ["Logging__LogLevel__Default"] = "Warning",
                ["ApiKeys__DefaultTenantWithoutKey"] = withApiKey ? "false" : "true",
            });
        await FreePorts.WaitForListenerAsync(IPAddress.Loopback, port, TimeSpan.FromSeconds(60), () => host.IsRunning);

        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Add("x-functions-key", Key);
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }

        var body = Encoding.UTF8.GetBytes(MessageJson(2048));

        async Task<bool> Submit(int i, CancellationToken ct)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            using var response = await client.PostAsync("/api/messages", content, ct);
            return response.StatusCode == HttpStatusCode.Accepted;
        }

        Console.WriteLine($"submit: auth={(withApiKey ? "API key (Bearer) + function key" : "function key only")}, N={count}, C={concurrency}, 2 KB messages, warm-up in rounds of {warmup}, Azurite in memory, {Environment.ProcessorCount} cores (shared)");
        var warmed = await Warmup.UntilJitQuietAsync(host.Id, warmup, maxRounds: 10, n => LoadRunner.RunAsync(n, concurrency, Submit, cancellationToken));
        var ceilingBefore = await AzuriteWriteCeiling.OnOwnAzuriteAsync(warmed, count, concurrency, 2300, cancellationToken);

        var hostCpu = ProcessCpu.Of(host.Id);
        var hostJitSampler = ThreadCpuSampler.Start(host.Id, ProcessCpu.JitThread);
        var azuriteCpu = ProcessCpu.Of(azurite.ProcessId);
        var ours = await LoadRunner.RunAsync(count, concurrency, Submit, cancellationToken);
        hostCpu = ProcessCpu.Of(host.Id) - hostCpu;
        var hostJit = await hostJitSampler.StopAsync();
        azuriteCpu = ProcessCpu.Of(azurite.ProcessId) - azuriteCpu;

        var ceilingAfter = await AzuriteWriteCeiling.OnOwnAzuriteAsync(warmed, count, concurrency, 2300, cancellationToken);
        var ceiling = (ceilingBefore.Result.PerSecond + ceilingAfter.Result.PerSecond) / 2;

        Console.WriteLine();
        Console.WriteLine($"{"",-28}{"msg/s",10}{"p50 ms",10}{"p99 ms",10}{"CPU s/1000",12}{"Azurite s/1000",16}{"failed",8}");
        Print("local host, HTTP JSON", ours, hostCpu.TotalSeconds * 1000 / count, azuriteCpu.TotalSeconds * 1000 / count);
        Print("Azurite ceiling (before)", ceilingBefore.Result, ceilingBefore.ClientCpuPerThousand, ceilingBefore.AzuriteCpuPerThousand);
        Print("Azurite ceiling (after)", ceilingAfter.Result, ceilingAfter.ClientCpuPerThousand, ceilingAfter.AzuriteCpuPerThousand);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ours / ceiling: {ours.PerSecond / ceiling:P0}   (target >= 80 %);  p99 {ours.Latency.Percentile(99):F1} ms (target < 50 ms at 8 clients)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"after {warmed} warm-up submissions; of the host's CPU, background JIT (tiered compilation, paid once by a long-running host): {hostJit.TotalSeconds * 1000 / count:F2} s per 1,000"));
        Console.WriteLine("CPU s/1000 of a ceiling row is the minimal client's (this process); Azurite s/1000 is the Node process's:");
        Console.WriteLine("it works one core at most, so its CPU per message bounds every rate above.");
        if (withApiKey)
        {
            // Key lookups that reached storage: the key's row is read once per ApiKeys:CacheTtl (5 s) and LastUsedAt written
            // once per minute; the Timestamp of its row shows the last write, and Azurite's request count is not exposed, so
            // the bound is printed from the run's length.
            var seconds = ours.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"API key lookup on the hot path: at most {Math.Ceiling(seconds / 5) + 1:F0} key-row reads and {Math.Ceiling(seconds / 60):F0} last-used writes in {seconds:F1} s = {(Math.Ceiling(seconds / 5) + 1 + Math.Ceiling(seconds / 60)) / count:F4} storage requests per submission; compare CPU s/1000 with --auth function-key"));
        }

        return ours.Failures == 0 ? 0 : 1;
    }

    // The bootstrap path's row, written directly: a send key of the default tenant.
    private static async Task<string> CreateApiKeyAsync(string connectionString, CancellationToken cancellationToken)
    {
        var token = Core.Tenants.ApiKeyToken.New();
        var table = new Azure.Data.Tables.TableClient(connectionString, Core.Storage.StorageNames.ApiKeysTable);
        await table.CreateIfNotExistsAsync(cancellationToken);
        await table.AddEntityAsync(new Core.Tenants.ApiKeyEntity
        {
            PartitionKey = token.KeyId,
            TenantId = Core.Tenants.TenantIds.Default,
            Name = "benchmark",
            Scopes = "send",
            SecretHash = Core.Tenants.ApiKeyToken.Hash(token.Secret),
            CreatedAt = DateTimeOffset.UtcNow,
        }, cancellationToken);
        return token.ToString();
    }

    private static void Print(string label, LoadRunner.Result result, double cpuPerThousand, double azuritePerThousand) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-28}{result.PerSecond,10:F0}{result.Latency.Percentile(50),10:F1}{result.Latency.Percentile(99),10:F1}{cpuPerThousand,12:F2}{azuritePerThousand,16:F2}{result.Failures,8}"));

    /// <summary>A JSON submission of about <paramref name="size"/> octets: one recipient, a plain-text body.</summary>
    internal static string MessageJson(int size)
    {
        var text = new StringBuilder();
        while (text.Length < size - 200)
        {
            text.Append("The quick brown fox jumps over the lazy dog. ");
            if (text.Length % 70 < 45)
            {
                text.Append("\\n");
            }
        }

        return $"{{\"from\":\"Alice <alice@example.com>\",\"to\":\"bob@example.net\",\"subject\":\"Benchmark\",\"text\":\"{text}\"}}";
    }
}
