using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Routing;
using SmtpFunctions.Core.Telemetry;

namespace SmtpFunctions.Core.Tests.Delivery;

/// <summary>An <see cref="SmtpRelay"/> wired to scripted peers and a fake resolver.</summary>
internal sealed class RelayHarness : IAsyncDisposable
{
    public const string Ehlo = "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 ENHANCEDSTATUSCODES";
    public const string EhloPlain = "250-mx.example.net\r\n250-PIPELINING\r\n250 8BITMIME";
    public const string Greeting = "220 mx.example.net ESMTP";

    private readonly ServiceProvider _services;

    public RelayHarness(Action<DeliveryOptions>? configure = null, Action<RoutingOptions>? configureRouting = null, ISmtpPeerConnector? connector = null)
    {
        Options.LocalDomain = "mta.sender.test";
        configure?.Invoke(Options);
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = _services.GetRequiredService<IMeterFactory>();
        Metrics = new MailMetrics(meters);
        Sessions = new MetricCollector<long>(meters, MailMetrics.MeterName, MailMetrics.SmtpSessions);
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        Cache = new SmtpConnectionCache(options, Time);
        Routing = new RoutingOptions();
        configureRouting?.Invoke(Routing);
        Policy = new OutboundAddressPolicy(Microsoft.Extensions.Options.Options.Create(Routing), NullLogger<OutboundAddressPolicy>.Instance);
        Relay = new SmtpRelay(Resolver, Policy, connector ?? Connector, Cache, Metrics, Time, options, NullLogger<SmtpRelay>.Instance);
    }

    public DeliveryOptions Options { get; } = new();

    public RoutingOptions Routing { get; }

    public OutboundAddressPolicy Policy { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    public FakeMxResolver Resolver { get; } = new();

    public ReplayConnector Connector { get; } = new();

    public SmtpConnectionCache Cache { get; }

    public MailMetrics Metrics { get; }

    public MetricCollector<long> Sessions { get; }

    public SmtpRelay Relay { get; }

    public static RelayRequest Request(byte[] mime, string? sender = "sender@sender.test", params string[] recipients) =>
        new("example.net", sender, recipients.Length == 0 ? ["rcpt@example.net"] : recipients, mime, RequiresSmtpUtf8: false, EightBit: false);

    public async ValueTask DisposeAsync()
    {
        await Cache.DisposeAsync();
        Sessions.Dispose();
        await _services.DisposeAsync();
    }
}
