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
    public string Description => "HTTP submissions/s, p50/p99, CPU per 1,000 vs Azurite's write ceiling (--n 2000 --c 8)";

    /// <inheritdoc />
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var options = new BenchmarkArguments(args);
        var count = options.Number("n", 2000);
        var concurrency = options.Number("c", 8);
        var warmup = options.Number("warmup", 200);

        await using var azurite = await AzuriteProcess.StartAsync(inMemory: true);
        var port = FreePorts.Next();
        await using var host = ChildProcess.Start("dotnet", [BuildOutput.Assembly("SmtpFunctions.LocalHost"), "--urls", $"http://127.0.0.1:{port}"],
            environment: new Dictionary<string, string>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["LocalHost__FunctionKey"] = Key,
                ["LocalHost__RunQueueListener"] = "false",
                ["Logging__LogLevel__Default"] = "Warning",
                ["DOTNET_gcServer"] = "0",
            });
        await FreePorts.WaitForListenerAsync(IPAddress.Loopback, port, TimeSpan.FromSeconds(60), () => host.IsRunning);

        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Add("x-functions-key", Key);
        var body = Encoding.UTF8.GetBytes(MessageJson(2048));

        async Task<bool> Submit(int i, CancellationToken ct)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            using var response = await client.PostAsync("/api/messages", content, ct);
            return response.StatusCode == HttpStatusCode.Accepted;
        }

        Console.WriteLine($"submit: N={count}, C={concurrency}, 2 KB messages, Azurite in memory, {Environment.ProcessorCount} cores");
        await LoadRunner.RunAsync(warmup, concurrency, Submit, cancellationToken);
        var ceilingBefore = await new AzuriteWriteCeiling(azurite.ConnectionString).RunAsync(count, concurrency, 2300, cancellationToken);

        var hostCpu = ProcessCpu.Of(host.Id);
        var azuriteCpu = ProcessCpu.Of(azurite.ProcessId);
        var ours = await LoadRunner.RunAsync(count, concurrency, Submit, cancellationToken);
        hostCpu = ProcessCpu.Of(host.Id) - hostCpu;
        azuriteCpu = ProcessCpu.Of(azurite.ProcessId) - azuriteCpu;

        var ceilingAfter = await new AzuriteWriteCeiling(azurite.ConnectionString).RunAsync(count, concurrency, 2300, cancellationToken);
        var ceiling = (ceilingBefore.PerSecond + ceilingAfter.PerSecond) / 2;

        Console.WriteLine();
        Console.WriteLine($"{"",-28}{"msg/s",10}{"p50 ms",10}{"p99 ms",10}{"CPU s/1000",12}{"failed",8}");
        Print("local host, HTTP JSON", ours, hostCpu.TotalSeconds * 1000 / count);
        Print("Azurite ceiling (before)", ceilingBefore, double.NaN);
        Print("Azurite ceiling (after)", ceilingAfter, double.NaN);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ours / ceiling: {ours.PerSecond / ceiling:P0}   (target >= 80 %);  p99 {ours.Latency.Percentile(99):F1} ms (target < 50 ms at 8 clients)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Azurite CPU during our run: {azuriteCpu.TotalSeconds * 1000 / count:F2} s per 1,000 (one Node process: the bottleneck when it nears 1 core)"));
        return ours.Failures == 0 ? 0 : 1;
    }

    private static void Print(string label, LoadRunner.Result result, double cpuPerThousand) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-28}{result.PerSecond,10:F0}{result.Latency.Percentile(50),10:F1}{result.Latency.Percentile(99),10:F1}{(double.IsNaN(cpuPerThousand) ? "-" : cpuPerThousand.ToString("F2", CultureInfo.InvariantCulture)),12}{result.Failures,8}"));

    private static string MessageJson(int size)
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
