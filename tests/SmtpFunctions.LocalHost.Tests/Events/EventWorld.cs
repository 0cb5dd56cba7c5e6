using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SmtpFunctions.Core.Events;
using SmtpFunctions.LocalHost.Tests.Recovery;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Dns;
using SmtpFunctions.Testing.Postfix;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.LocalHost.Tests.Events;

/// <summary>
/// Real parts for events: Azurite, BIND serving <c>good.test</c> and <c>sender.test</c> (one Postfix holding their
/// mailboxes, greylisting <c>grey@good.test</c>, refusing <c>nobody@good.test</c> with 550 5.1.1) and <c>dead.test</c>
/// (an MX where nothing listens), the local host process, and webhook receivers as processes of their own.
/// </summary>
internal sealed class EventWorld : IAsyncDisposable
{
    public const string Key = "events-function-key-0123456789ab";
    public const string Delivered = "ok@good.test";
    public const string Greylisted = "grey@good.test";
    public const string Unknown = "nobody@good.test";
    public const string Dead = "x@dead.test";
    public const string Sender = "sender@sender.test";

    private static readonly string[] Tags = ["welcome", "template:signup-v2"];

    private readonly List<IAsyncDisposable> _owned = [];

    private EventWorld(AzuriteProcess azurite, PostfixInstance postfix, DnsServer dns)
    {
        Azurite = azurite;
        Postfix = postfix;
        Dns = dns;
        _owned.AddRange([dns, postfix, azurite]);
    }

    public AzuriteProcess Azurite { get; }

    public PostfixInstance Postfix { get; }

    public DnsServer Dns { get; }

    public LocalHostProcess Host { get; private set; } = null!;

    public static async Task<EventWorld> StartAsync()
    {
        var azurite = await AzuriteProcess.StartAsync();
        var port = FreePorts.Next(IPAddress.Any);
        var greylist = PostfixPolicies.Greylist(TimeSpan.FromSeconds(1));
        var options = new PostfixOptions
        {
            Address = LoopbackAddresses.Next(),
            Port = port,
            AcceptUnknownRecipients = false,
            Policy = request => string.Equals(request.Recipient, Greylisted, StringComparison.OrdinalIgnoreCase) ? greylist(request) : PostfixPolicies.Dunno,
        };
        foreach (var mailbox in new[] { Delivered, Greylisted, Sender })
        {
            options.Mailboxes.Add(mailbox);
            options.MailboxDomains.Add(mailbox[(mailbox.IndexOf('@', StringComparison.Ordinal) + 1)..]);
        }

        var postfix = await PostfixInstance.StartAsync(options);
        var dns = await DnsServer.StartAsync(
            new DnsZone("good.test").Mx("good.test", 10, "mx.good.test").A("mx.good.test", postfix.Address),
            new DnsZone("sender.test").Mx("sender.test", 10, "mx.sender.test").A("mx.sender.test", postfix.Address),
            new DnsZone("dead.test").Mx("dead.test", 10, "mx.dead.test").A("mx.dead.test", LoopbackAddresses.Next()));
        return new EventWorld(azurite, postfix, dns);
    }

    /// <summary>Starts the local host; <paramref name="settings"/> add to or override the defaults.</summary>
    public async Task<LocalHostProcess> StartHostAsync(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = Azurite.ConnectionString,
            ["LocalHost:FunctionKey"] = Key,
            ["Delivery:Port"] = Postfix.Port.ToString(CultureInfo.InvariantCulture),
            ["Delivery:LocalDomain"] = "mta.smtpfunctions.test",
            ["Delivery:ConnectTimeout"] = "00:00:02",
            ["Delivery:BounceCollectDelay"] = "00:00:01",
            ["Routing:NameServers"] = $"{Dns.EndPoint.Address}:{Dns.EndPoint.Port}",
            ["Routing:AllowedNetworks"] = "127.0.0.0/8",
            ["Retry:Schedule"] = "00:00:01",
            ["Retry:Jitter"] = "0",
            ["Retry:QueueLifetime"] = "00:00:06",
            ["Events:RequireHttps"] = "false",
            // Quick first retries for the tests, and still over 24 hours in all, as the options demand.
            ["Events:RetrySchedule"] = "00:00:01,00:00:01,00:00:02,1.00:00:00",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:Console:FormatterOptions:SingleLine"] = "true",
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        Host = await LocalHostProcess.StartAsync(values);
        _owned.Insert(0, Host);
        return Host;
    }

    /// <summary>Registers a webhook subscription; returns the answer's status and body.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> SubscribeAsync(string url, string secret, params string[] eventTypes)
    {
        using var response = await Host.Client.PostAsJsonAsync("/api/webhooks", new { url, secret, eventTypes });
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
        return (response.StatusCode, json.RootElement.Clone());
    }

    /// <summary>Submits one message; returns its id.</summary>
    public async Task<string> SubmitAsync(string to, string from = Sender)
    {
        using var response = await Host.Client.PostAsJsonAsync("/api/messages", new
        {
            from,
            to,
            subject = "events",
            text = "Hello.",
            metadata = new Dictionary<string, string> { ["campaign"] = "spring", ["to"] = to },
            tags = Tags,
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>A new secret, and a receiver started with it.</summary>
    public async Task<(WebhookReceiverProcess Receiver, string Secret)> StartReceiverAsync(int failFirst = 0, IPAddress? address = null)
    {
        var secret = WebhookSignature.NewSecret();
        var receiver = await WebhookReceiverProcess.StartAsync(secret, address, failFirst);
        _owned.Insert(0, receiver);
        return (receiver, secret);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }
}
