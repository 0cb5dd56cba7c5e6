using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Benchmarks.Measurement;
using SmtpFunctions.Core;
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
    public string Description => "HTTP submissions/s, p50/p99, CPU per 1,000 vs Azurite's write ceiling (--n 2000 --c 8 [--rate R] [--host DLL] [--auth key|function-key] [--azurite per-service|single])";

    /// <inheritdoc />
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var options = new BenchmarkArguments(args);
        var count = options.Number("n", 2000);
        var concurrency = options.Number("c", 8);
        var warmup = options.Number("warmup", 500);
        // --rate R paces the measured submissions (ours and the ceiling's) at R/s on the same C clients: the latency at a
        // load below saturation. Back to back (the default), C clients saturate whatever is slowest, and the latency is
        // C / throughput for Azurite alone as much as for us.
        var rate = options.Number("rate", 0) is var r and > 0 ? r : (double?)null;

        // Our host and each ceiling run get an Azurite of their own: what one run leaves behind (and deletes) slows every
        // later request to the same Azurite, and its table gets slower as it fills, so all three start equally empty.
        var perService = options.AzuritePerService();
        await using var azurite = await AzuriteProcess.StartAsync(inMemory: true, perService);
        // --auth key (the default): every submission carries an API key and the host accepts nothing without one, so the
        // key lookup is on the measured path; --auth function-key measures the same run without it, for the difference.
        var withApiKey = (options.Text("auth") ?? "key") == "key";
        var secrets = Directory.CreateTempSubdirectory("submit-benchmark-secrets-").FullName;
        // With a key, the key is a tenant's and the tenant's verified domain is the From: the domain rule and the domain's
        // own DKIM keys are on the measured path too (the default tenant may send from any domain, and checks nothing).
        await using var core = CoreServices(azurite.ConnectionString, secrets);
        var apiKey = withApiKey ? await CreateTenantKeyAsync(core, cancellationToken) : null;
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
                ["Domains__SecretStorePath"] = secrets,
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

        Console.WriteLine($"submit: auth={(withApiKey ? "API key (Bearer) + function key" : "function key only")}, N={count}, C={concurrency}, {(rate is { } paced ? $"paced at {paced:F0}/s (latency from when each was due)" : "back to back")}, 2 KB messages, warm-up in rounds of {warmup}, Azurite in memory ({(perService ? "a process per service" : "one process")}), {Environment.ProcessorCount} cores (shared)");
        var warmed = await Warmup.UntilJitQuietAsync(host.Id, warmup, maxRounds: 10, n => LoadRunner.RunAsync(n, concurrency, Submit, cancellationToken));
        // As many octets as the host stored (signed, with its headers), not the JSON's 2 KB: the same writes, byte for byte.
        var mimeBytes = await AzuriteWriteCeiling.StoredMimeBytesAsync(azurite.ConnectionString, cancellationToken);
        Console.WriteLine($"  the host stores {mimeBytes} octets of MIME per submission; the ceiling writes as many");
        var ceilingBefore = await AzuriteWriteCeiling.OnOwnAzuriteAsync(warmed, count, concurrency, mimeBytes, perService, cancellationToken, rate);

        var hostCpu = ProcessCpu.Of(host.Id);
        var hostJitSampler = ThreadCpuSampler.Start(host.Id, ProcessCpu.JitThread);
        var azuriteCpu = azurite.CpuTime();
        var ours = await LoadRunner.RunAsync(count, concurrency, Submit, cancellationToken, rate);
        hostCpu = ProcessCpu.Of(host.Id) - hostCpu;
        var hostJit = await hostJitSampler.StopAsync();
        azuriteCpu = azurite.CpuTime() - azuriteCpu;

        var ceilingAfter = await AzuriteWriteCeiling.OnOwnAzuriteAsync(warmed, count, concurrency, mimeBytes, perService, cancellationToken, rate);
        var ceiling = (ceilingBefore.Result.PerSecond + ceilingAfter.Result.PerSecond) / 2;

        Console.WriteLine();
        Console.WriteLine($"{"",-28}{"msg/s",10}{"p50 ms",10}{"p99 ms",10}{"CPU s/1000",12}{"Azurite s/1000",16}{"failed",8}");
        Print("local host, HTTP JSON", ours, hostCpu.TotalSeconds * 1000 / count, azuriteCpu.TotalSeconds * 1000 / count);
        Print("Azurite ceiling (before)", ceilingBefore.Result, ceilingBefore.ClientCpuPerThousand, ceilingBefore.AzuriteCpuPerThousand);
        Print("Azurite ceiling (after)", ceilingAfter.Result, ceilingAfter.ClientCpuPerThousand, ceilingAfter.AzuriteCpuPerThousand);
        Console.WriteLine();
        Console.WriteLine(rate is null
            ? string.Create(CultureInfo.InvariantCulture, $"ours / ceiling: {ours.PerSecond / ceiling:P0}   (target >= 80 %);  p99 {ours.Latency.Percentile(99):F1} ms (target < 50 ms at 8 clients)")
            : string.Create(CultureInfo.InvariantCulture, $"paced at {rate:F0}/s: ours kept {ours.PerSecond / rate:P0} of the rate, the ceiling {ceiling / rate:P0};  p99 {ours.Latency.Percentile(99):F1} ms against Azurite's own {Math.Max(ceilingBefore.Result.Latency.Percentile(99), ceilingAfter.Result.Latency.Percentile(99)):F1} (target < 50 ms at 8 clients)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"after {warmed} warm-up submissions; of the host's CPU, background JIT (tiered compilation, paid once by a long-running host): {hostJit.TotalSeconds * 1000 / count:F2} s per 1,000"));
        Console.WriteLine(perService
            ? "CPU s/1000 of a ceiling row is the minimal client's (this process); Azurite s/1000 is the sum of its three Node processes':\neach works one core at most, so the busiest one's CPU per message bounds every rate above."
            : "CPU s/1000 of a ceiling row is the minimal client's (this process); Azurite s/1000 is the Node process's:\nit works one core at most, so its CPU per message bounds every rate above.");
        if (withApiKey)
        {
            // The host's storage requests cannot be counted from here (another process), so the same two checks the host
            // makes per submission run here, against the same Azurite, as often as the host made them, counted.
            await MeasureChecksAsync(core, azurite, apiKey!, count, ours.Elapsed, cancellationToken);
        }

        return ours.Failures == 0 ? 0 : 1;
    }

    private const string Tenant = "bench";

    private const string SenderDomain = "example.com";

    // Core against the benchmark's Azurite, trusting registrations without DNS (this measures submission, not DNS).
    private static ServiceProvider CoreServices(string connectionString, string secrets)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = connectionString,
            ["Domains:SecretStorePath"] = secrets,
            ["Domains:TrustRegistrationsWithoutDns"] = "true",
        }).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSmtpFunctionsCore(configuration)
            .BuildServiceProvider();
    }

    // The bootstrap path (as the keys command does it): a send key of tenant "bench", whose verified domain is the From.
    private static async Task<string> CreateTenantKeyAsync(ServiceProvider core, CancellationToken cancellationToken)
    {
        await core.GetRequiredService<Core.Storage.StorageAccount>().EnsureCreatedAsync(cancellationToken: cancellationToken);
        var registered = await core.GetRequiredService<Core.Domains.DomainRegistrar>().RegisterAsync(Tenant, SenderDomain, cancellationToken);
        if (registered.Domain?.Status != Core.Domains.DomainStatus.Verified)
        {
            throw new InvalidOperationException($"Could not register {SenderDomain}: {registered.Problem}");
        }

        var issued = await core.GetRequiredService<Core.Tenants.ApiKeyManager>().CreateAsync(
            new Core.Tenants.NewApiKey { TenantId = Tenant, Name = "benchmark", Scopes = Core.Tenants.ApiScopes.Send }, cancellationToken);
        return issued.Token.ToString();
    }

    // What the key check and the domain check add per submission: CPU, and storage requests (counted), made as many times
    // as the host made them and spread over as long, so the caches expire as often as they did in the host.
    private static async Task MeasureChecksAsync(
        ServiceProvider core, AzuriteProcess azurite, string apiKey, int count, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        var verifier = core.GetRequiredService<Core.Tenants.ApiKeyVerifier>();
        var domains = core.GetRequiredService<Core.Domains.TenantDomainCache>();
        if (!Core.Tenants.ApiKeyToken.TryParse(apiKey, out var token))
        {
            throw new InvalidOperationException("The benchmark's key does not parse.");
        }

        using var requests = new Delivery.StorageRequestCounter(azurite.BlobPort, azurite.QueuePort, azurite.TablePort);
        var gap = elapsed / count;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var allowed = 0;
        for (var i = 0; i < count; i++)
        {
            var check = await verifier.CheckAsync(token, cancellationToken);
            var tenantDomains = await domains.GetAsync(check.Key!.TenantId, cancellationToken);
            allowed += tenantDomains.Allows(SenderDomain) ? 1 : 0;
            var due = started + (long)(gap.TotalSeconds * (i + 1) * System.Diagnostics.Stopwatch.Frequency);
            if (due > System.Diagnostics.Stopwatch.GetTimestamp())
            {
                await Task.Delay(System.Diagnostics.Stopwatch.GetElapsedTime(System.Diagnostics.Stopwatch.GetTimestamp(), due), cancellationToken);
            }
        }

        var counted = requests.Snapshot();
        var paced = System.Diagnostics.Stopwatch.GetElapsedTime(started);

        // CPU of the hot path alone: the same checks back to back (a paced loop's CPU would be mostly its timers).
        const int hot = 100_000;
        var cpuBefore = ProcessCpu.Of(Environment.ProcessId);
        for (var i = 0; i < hot; i++)
        {
            var check = await verifier.CheckAsync(token, cancellationToken);
            allowed += (await domains.GetAsync(check.Key!.TenantId, cancellationToken)).Allows(SenderDomain) ? 1 : 0;
        }

        var cpu = ProcessCpu.Of(Environment.ProcessId) - cpuBefore;
        var total = counted.Values.Sum();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"API key check + domain check, {count} times over {paced.TotalSeconds:F1} s as the host made them: {total} storage requests ({string.Join(", ", counted.Select(kv => $"{kv.Key.Service} {kv.Key.Method} {kv.Value}"))}) = {(double)total / count:F4} per submission"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  hot path, {hot} more back to back: {1e6 * cpu.TotalSeconds / hot:F2} CPU-µs per submission (SHA-256 of the secret, two dictionary reads)"));
        Console.WriteLine("  (the key row is read once per ApiKeys:CacheTtl and its last-used time written once a minute; the tenant's domains once per Domains:CacheTtl)");
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
