using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SmtpFunctions.Benchmarks.Measurement;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Pacing;
using SmtpFunctions.Core.Routing;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Suppression;
using SmtpFunctions.Core.Telemetry;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace SmtpFunctions.Benchmarks.Pacing;

/// <summary>
/// What pacing and the suppression check add to a delivery job, without storage or network: pacing leases taken and
/// given back by as many concurrent workers as the queue trigger runs (batchSize + newBatchThreshold = 24), on one
/// destination under its cap, on one destination capped at 2 (workers queue for slots), and spread over many
/// destinations; and cached suppression lookups of a job's recipients.
/// </summary>
public sealed class PacingBenchmark : IBenchmark
{
    private const int Workers = 24;

    /// <inheritdoc />
    public string Name => "pacing";

    /// <inheritdoc />
    public string Description => "µs CPU per pacing lease (24 workers: free, capped at 2, 1,000 destinations) and per cached suppression lookup (--n 200000)";

    /// <inheritdoc />
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var count = new BenchmarkArguments(args).Number("n", 200_000);
        Console.WriteLine($"pacing: N={count} per scenario, {Workers} concurrent workers, {Environment.ProcessorCount} cores, no storage or network");
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new MailMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());

        foreach (var (label, cap, destinations) in new[] { ("one destination, cap 20", 20, 1), ("one destination, cap 2", 2, 1), ("1,000 destinations, cap 20", 20, 1000) })
        {
            var pacer = Pacer(metrics, cap);
            await LeasesAsync(pacer, count / 10, destinations, cancellationToken);
            var (wall, cpu) = await LeasesAsync(pacer, count, destinations, cancellationToken);
            Print(label, wall, cpu, count, "leases");
        }

        using var list = new SuppressionList(new MemoryStore(), MsOptions.Create(new SuppressionOptions()), metrics, TimeProvider.System, NullLogger<SuppressionList>.Instance);
        string[] recipients = ["a@one.example", "b@one.example", "c@two.example"];
        await list.FindAsync(SmtpFunctions.Core.Tenants.TenantIds.Default, recipients, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var before = ProcessCpu.Of(Environment.ProcessId);
        for (var i = 0; i < count; i++)
        {
            await list.FindAsync(SmtpFunctions.Core.Tenants.TenantIds.Default, recipients, cancellationToken);
        }

        Print("suppression lookup, 3 recipients, cached", Stopwatch.GetElapsedTime(started), ProcessCpu.Of(Environment.ProcessId) - before, count, "lookups");
        return 0;
    }

    private static void Print(string label, TimeSpan wall, TimeSpan cpu, int count, string what) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {label,-42} {cpu.TotalMicroseconds / count,7:F2} µs CPU each  {count / wall.TotalSeconds,12:N0} {what}/s"));

    private static async Task<(TimeSpan Wall, TimeSpan Cpu)> LeasesAsync(DestinationPacer pacer, int count, int destinations, CancellationToken cancellationToken)
    {
        var next = -1;
        var before = ProcessCpu.Of(Environment.ProcessId);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var decision = await pacer.AcquireAsync($"d{i % destinations}.example", cancellationToken);
                using var lease = decision.Lease ?? throw new InvalidOperationException($"deferred ({decision.Reason})");
                await Task.Yield();
            }
        }, cancellationToken)));
        return (Stopwatch.GetElapsedTime(started), ProcessCpu.Of(Environment.ProcessId) - before);
    }

    private static DestinationPacer Pacer(MailMetrics metrics, int cap)
    {
        var pacing = MsOptions.Create(new PacingOptions { MaxConcurrentSessions = cap, SlotWaitTimeout = TimeSpan.FromMinutes(1) });
        var delivery = MsOptions.Create(new DeliveryOptions());
        // Never contacted: limits are per instance here.
        var storage = new StorageAccount(
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [StorageNames.Connection] = "UseDevelopmentStorage=true" }).Build(),
            MsOptions.Create(new StorageOptions()));
        var shares = new InstanceShares(storage, pacing, delivery, TimeProvider.System, NullLogger<InstanceShares>.Instance);
        return new DestinationPacer(new OneRoute(), shares, new SmtpFunctions.Core.Delivery.SmtpConnectionCache(delivery, TimeProvider.System),
            pacing, delivery, metrics, TimeProvider.System, NullLogger<DestinationPacer>.Instance);
    }

    // Each domain is its own provider with one MX, as the MX cache would answer it.
    private sealed class OneRoute : IMxResolver
    {
        public Task<MxRoute> ResolveAsync(string domain, CancellationToken cancellationToken) =>
            Task.FromResult(new MxRoute(domain, [new MxHost("mx." + domain, 10, [IPAddress.Loopback])], null));
    }

    private sealed class MemoryStore : ISuppressionStore
    {
        public Task<bool> AddAsync(SuppressionEntity entry, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<SuppressionEntity?> GetAsync(SuppressionKey key, CancellationToken cancellationToken) => Task.FromResult<SuppressionEntity?>(null);

        public Task<bool> DeleteAsync(SuppressionKey key, CancellationToken cancellationToken) => Task.FromResult(false);

        public Task<SuppressionPage> ListAsync(string list, string? domain, int pageSize, string? continuation, CancellationToken cancellationToken) =>
            Task.FromResult(new SuppressionPage([], null));
    }
}
