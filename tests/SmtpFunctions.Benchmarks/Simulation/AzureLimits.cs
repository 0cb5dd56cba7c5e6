namespace SmtpFunctions.Benchmarks.Simulation;

/// <summary>
/// Azure Storage's documented scalability targets (standard general-purpose v2 account), divided by the simulation's
/// scale so that a laptop and Azurite can carry the requests: at scale 100 an offered 2,800 msg/s is run as 28 msg/s
/// against limits a hundredth of Azure's. Rates, backlogs and queue ages keep their ratios under that scaling.
/// </summary>
/// <remarks>
/// Sources: "Scalability and performance targets for standard storage accounts" (20,000 requests/s per account),
/// "Scalability targets for Queue Storage" (2,000 messages/s per queue, 1 KiB messages), "Scalability targets for Table
/// Storage" (2,000 entities/s per partition). The latencies are assumptions (Azure publishes no distribution): small
/// requests in one region, log-normal with the given median and 99th percentile.
/// </remarks>
internal sealed record AzureLimits(double Scale)
{
    public double AccountRequestsPerSecond => 20_000 / Scale;

    public double QueueMessagesPerSecond => 2_000 / Scale;

    public double PartitionEntitiesPerSecond => 2_000 / Scale;

    public static Latency TableLatency { get; } = new(TimeSpan.FromMilliseconds(6), TimeSpan.FromMilliseconds(30));

    public static Latency QueueLatency { get; } = new(TimeSpan.FromMilliseconds(7), TimeSpan.FromMilliseconds(35));

    public static Latency BlobLatency { get; } = new(TimeSpan.FromMilliseconds(9), TimeSpan.FromMilliseconds(45));

    /// <summary>An SMTP transaction with the smart host on a kept connection (MAIL, RCPT…, DATA, the reply to the dot).</summary>
    public static Latency SmartHostLatency { get; } = new(TimeSpan.FromMilliseconds(80), TimeSpan.FromMilliseconds(400));
}

/// <summary>A log-normal latency given its median and 99th percentile.</summary>
internal sealed record Latency(TimeSpan Median, TimeSpan P99)
{
    private double Sigma => Math.Log(P99.TotalMilliseconds / Median.TotalMilliseconds) / 2.326;

    public TimeSpan Sample()
    {
        // Box–Muller: a standard normal from two uniforms.
        var u1 = 1.0 - Random.Shared.NextDouble();
        var u2 = Random.Shared.NextDouble();
        var z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        return TimeSpan.FromMilliseconds(Median.TotalMilliseconds * Math.Exp(Sigma * z));
    }
}
