using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Testing.Dns;
using SmtpFunctions.Testing.Postfix;
using SmtpFunctions.Testing.Processes;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests.Infrastructure;

/// <summary>
/// A small Internet on loopback for one test: a DNS server (BIND) with the test's zones, receiving MTAs on their own
/// 127.a.b.c addresses sharing one port (delivery connects to every MX on <c>Delivery:Port</c>), and Core.
/// </summary>
/// <remarks>
/// The sender's domain <c>sender.test</c> routes to the Postfix that holds the sender's mailbox, so DSNs travel the
/// same path as any message and can be read from its Maildir.
/// </remarks>
internal sealed class MailWorld : IAsyncDisposable
{
    public const string SenderDomain = "sender.test";
    public const string Sender = "sender@sender.test";

    private readonly List<IAsyncDisposable> _owned = [];

    private MailWorld(int port) => Port = port;

    /// <summary>The port every MX listens on.</summary>
    public int Port { get; }

    public DnsServer Dns { get; private set; } = null!;

    public DeliveryHost Host { get; private set; } = null!;

    /// <summary>Creates the world: a port, and an empty DNS server (zones come with <see cref="ServeAsync"/>).</summary>
    public static async Task<MailWorld> CreateAsync()
    {
        var world = new MailWorld(FreePorts.Next(IPAddress.Any));
        world.Dns = await DnsServer.StartAsync();
        world._owned.Add(world.Dns);
        return world;
    }

    /// <summary>Serves a zone (added or replaced).</summary>
    public Task ServeAsync(DnsZone zone) => Dns.SetZoneAsync(zone);

    /// <summary>A Postfix final destination holding <paramref name="mailboxes"/>, on a fresh loopback address and the world's port.</summary>
    public async Task<PostfixInstance> StartPostfixAsync(Action<PostfixOptions>? configure = null, params string[] mailboxes)
    {
        var options = new PostfixOptions { Address = LoopbackAddresses.Next(), Port = Port, AcceptUnknownRecipients = false };
        foreach (var mailbox in mailboxes)
        {
            options.Mailboxes.Add(mailbox);
            options.MailboxDomains.Add(mailbox[(mailbox.IndexOf('@', StringComparison.Ordinal) + 1)..]);
        }

        configure?.Invoke(options);
        var postfix = await PostfixInstance.StartAsync(options);
        _owned.Add(postfix);
        return postfix;
    }

    /// <summary>An smtp-sink on a fresh loopback address and the world's port.</summary>
    public async Task<SmtpSink> StartSinkAsync(SmtpSinkOptions options)
    {
        var sink = await SmtpSink.StartAsync(options, LoopbackAddresses.Next(), Port);
        _owned.Add(sink);
        return sink;
    }

    /// <summary>Starts Core pointed at this world's DNS and port.</summary>
    public Task<DeliveryHost> StartHostAsync(string storageConnection, ITestOutputHelper output, params (string Key, string Value)[] settings) =>
        StartHostAsync(storageConnection, output, null, settings);

    /// <summary>Starts Core pointed at this world's DNS and port, with extra services (e.g. a storage pipeline policy).</summary>
    public async Task<DeliveryHost> StartHostAsync(
        string storageConnection, ITestOutputHelper output, Action<IServiceCollection>? services, params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["Delivery:Port"] = Port.ToString(CultureInfo.InvariantCulture),
            ["Routing:NameServers"] = $"{Dns.EndPoint.Address}:{Dns.EndPoint.Port}",
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        Host = await DeliveryHost.StartAsync(storageConnection, output, values, services);
        _owned.Add(Host);
        return Host;
    }

    /// <summary>A zone routing <see cref="SenderDomain"/> to <paramref name="postfix"/>, so DSNs reach the sender's Maildir.</summary>
    public static DnsZone SenderZone(PostfixInstance postfix) => MxZone(SenderDomain, postfix.Address);

    /// <summary>A zone whose one MX, <c>mx.</c><paramref name="domain"/>, has <paramref name="address"/>.</summary>
    public static DnsZone MxZone(string domain, IPAddress address) =>
        new DnsZone(domain).Mx(domain, 10, "mx." + domain).A("mx." + domain, address);

    /// <summary>An address on loopback where nothing listens on the world's port (a dead MX).</summary>
    public static IPAddress DeadAddress() => LoopbackAddresses.Next();

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }
}
