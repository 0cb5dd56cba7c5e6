using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Pacing;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.Core.Tests.Delivery;

namespace SmtpFunctions.Core.Tests.Pacing;

/// <summary>A <see cref="DestinationPacer"/> on fake time, a fake resolver and a spread of zero (or as set).</summary>
internal sealed class PacerHarness : IDisposable
{
    private readonly ServiceProvider _services;

    public PacerHarness(Action<PacingOptions>? configure = null, Action<DeliveryOptions>? delivery = null, double random = 0)
    {
        configure?.Invoke(Options);
        delivery?.Invoke(Delivery);
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        Deferrals = new MetricCollector<long>(meters, MailMetrics.MeterName, MailMetrics.PacingDeferrals);
        Backoffs = new MetricCollector<long>(meters, MailMetrics.MeterName, MailMetrics.PacingBackoffs);
        // Never used: these tests keep the limits per instance (Pacing:ShareAcrossInstances off).
        var storage = new StorageAccount(
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [StorageNames.Connection] = "UseDevelopmentStorage=true" }).Build(),
            Microsoft.Extensions.Options.Options.Create(new StorageOptions()));
        Shares = new InstanceShares(storage, Microsoft.Extensions.Options.Options.Create(Options), Microsoft.Extensions.Options.Options.Create(Delivery), Time,
            NullLogger<InstanceShares>.Instance);
        Sessions = new SmtpConnectionCache(Microsoft.Extensions.Options.Options.Create(Delivery), Time);
        Pacer = new DestinationPacer(Resolver, Shares, Sessions, Microsoft.Extensions.Options.Options.Create(Options),
            Microsoft.Extensions.Options.Options.Create(Delivery), new MailMetrics(meters), Time, NullLogger<DestinationPacer>.Instance, () => random);
        Resolver.Set("one.test", ("mx1.provider.test", 10, "192.0.2.1"), ("mx2.provider.test", 20, "192.0.2.2"));
        Resolver.Set("two.test", ("mx2.provider.test", 10, "192.0.2.2"), ("mx1.provider.test", 10, "192.0.2.1"));
        Resolver.Set("other.test", ("mx.other.test", 10, "192.0.2.9"));
    }

    /// <summary>The key one.test and two.test share (same MX set, any order or preference).</summary>
    public const string Provider = "mx:mx1.provider.test,mx2.provider.test:25";

    public PacingOptions Options { get; } = new();

    public DeliveryOptions Delivery { get; } = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    public FakeMxResolver Resolver { get; } = new();

    public DestinationPacer Pacer { get; }

    public InstanceShares Shares { get; }

    public SmtpConnectionCache Sessions { get; }

    public MetricCollector<long> Deferrals { get; }

    public MetricCollector<long> Backoffs { get; }

    public static RelayResult Replies(params (string Address, int Code, string Text)[] replies) =>
        new(replies.ToDictionary(r => r.Address, r => FailureClassifier.FromReply(r.Code, r.Text), StringComparer.OrdinalIgnoreCase), "mx1.provider.test[192.0.2.1]:25", false, null);

    public async Task<PacingLease> LeaseAsync(string domain = "one.test")
    {
        var decision = await Pacer.AcquireAsync(domain, CancellationToken.None);
        Assert.True(decision.Lease is not null, $"expected a lease, got a deferral ({decision.Reason}) until {decision.DeferUntil:o}");
        return decision.Lease!;
    }

    public void Dispose()
    {
        Sessions.Dispose();
        Deferrals.Dispose();
        Backoffs.Dispose();
        _services.Dispose();
    }
}
