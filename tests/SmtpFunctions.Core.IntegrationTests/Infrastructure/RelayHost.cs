using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Storage;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests.Infrastructure;

/// <summary>
/// Core's SMTP relay as a host builds it (<c>AddSmtpFunctionsCore</c>, options from configuration, the real TCP
/// connector and DNS client), pointed at a <see cref="MailWorld"/>'s DNS server and port, without storage: for
/// scenarios about what one delivery attempt does on the wire, timed.
/// </summary>
internal sealed class RelayHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private RelayHost(ServiceProvider services) => _services = services;

    /// <summary>The relay.</summary>
    public IMessageRelay Relay => _services.GetRequiredService<IMessageRelay>();

    /// <summary>
    /// Starts the relay with the world's DNS and port; like every test host it admits 127.0.0.0/8 past the outbound
    /// address policy (the peers live there), unless <paramref name="settings"/> say otherwise.
    /// </summary>
    public static RelayHost Start(MailWorld world, ITestOutputHelper output, params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            // Not used by the relay; the storage options still bind.
            [StorageNames.Connection] = "UseDevelopmentStorage=true",
            ["Delivery:LocalDomain"] = "mta.smtpfunctions.test",
            ["Delivery:Port"] = world.Port.ToString(CultureInfo.InvariantCulture),
            ["Routing:NameServers"] = $"{world.Dns.EndPoint.Address}:{world.Dns.EndPoint.Port}",
            ["Routing:QueryTimeout"] = "00:00:02",
            ["Routing:QueryRetries"] = "0",
            ["Routing:AllowedNetworks"] = "127.0.0.0/8",
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(logging => logging.AddProvider(new TestOutputLoggerProvider(output)).SetMinimumLevel(LogLevel.Information))
            .AddSmtpFunctionsCore(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        return new RelayHost(services);
    }

    /// <summary>A small message from <c>sender@sender.test</c> to <paramref name="recipients"/> of <paramref name="domain"/>.</summary>
    public static RelayRequest Request(string domain, params string[] recipients)
    {
        var to = recipients.Length == 0 ? [$"rcpt@{domain}"] : recipients;
        var mime = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"From: sender@sender.test\r\nTo: {string.Join(", ", to)}\r\nSubject: relay scenario\r\nMessage-ID: <{Guid.NewGuid():N}@sender.test>\r\n" +
            $"Date: {DateTimeOffset.UtcNow:R}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nHello from the relay scenario.\r\n"));
        return new RelayRequest(domain, "sender@sender.test", to, mime, RequiresSmtpUtf8: false, EightBit: false);
    }

    /// <summary>Relays and measures how long the attempt took.</summary>
    public async Task<(RelayResult Result, TimeSpan Elapsed)> TimedAsync(RelayRequest request)
    {
        var watch = Stopwatch.StartNew();
        var result = await Relay.RelayAsync(request, CancellationToken.None);
        return (result, watch.Elapsed);
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
