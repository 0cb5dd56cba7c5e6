using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Dns;
using SmtpFunctions.Testing.Postfix;

namespace SmtpFunctions.LocalHost.Tests.Recovery;

/// <summary>
/// Real processes for delivery through the local host: Azurite (on disk, so it can be stopped and started again with its
/// data), BIND serving <c>peer.test</c> whose MX is an smtp-sink, and the local host process delivering there.
/// </summary>
internal sealed class DeliveryWorld : IAsyncDisposable
{
    public const string Domain = "peer.test";
    public const string Key = "recovery-function-key-0123456789";

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly List<string> _hostJsonFiles = [];

    private DeliveryWorld(AzuriteProcess azurite, DnsServer dns, SmtpSink sink)
    {
        Azurite = azurite;
        Dns = dns;
        Sink = sink;
    }

    public AzuriteProcess Azurite { get; }

    public DnsServer Dns { get; }

    public SmtpSink Sink { get; }

    public LocalHostProcess Host { get; private set; } = null!;

    /// <summary>Starts storage (with <paramref name="extraAccounts"/> beside the default one), DNS and the sink (not yet the host).</summary>
    public static async Task<DeliveryWorld> StartAsync(SmtpSinkOptions? sink = null, params string[] extraAccounts)
    {
        var azurite = await AzuriteProcess.StartAsync(inMemory: false, extraAccounts);
        SmtpSink? started = null;
        DnsServer? dns = null;
        try
        {
            started = await SmtpSink.StartAsync(sink ?? new SmtpSinkOptions { TrackSessions = false });
            dns = await DnsServer.StartAsync(new DnsZone(Domain).Mx(Domain, 10, "mx." + Domain).A("mx." + Domain, started.Address));
            return new DeliveryWorld(azurite, dns, started);
        }
        catch
        {
            if (started is not null)
            {
                await started.DisposeAsync();
            }

            if (dns is not null)
            {
                await dns.DisposeAsync();
            }

            await azurite.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts the local host delivering to this world. <paramref name="hostJson"/> replaces the repository's host.json
    /// (whose queue settings are the deployed ones) when given; <paramref name="settings"/> add to or override the defaults.
    /// </summary>
    public async Task<LocalHostProcess> StartHostAsync(string? hostJson = null, params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = Azurite.ConnectionString,
            ["LocalHost:FunctionKey"] = Key,
            ["Delivery:Port"] = Sink.Port.ToString(CultureInfo.InvariantCulture),
            ["Delivery:LocalDomain"] = "mta.smtpfunctions.test",
            ["Routing:NameServers"] = $"{Dns.EndPoint.Address}:{Dns.EndPoint.Port}",
            // The peers live on loopback, which the outbound address policy refuses unless allowed.
            ["Routing:AllowedNetworks"] = "127.0.0.0/8",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:SmtpFunctions.LocalHost.Queues"] = "Debug",
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:Console:FormatterOptions:SingleLine"] = "true",
            ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
        };
        if (hostJson is not null)
        {
            var path = Path.Combine(Path.GetTempPath(), $"smtpfunctions-host-{Guid.NewGuid():N}.json");
            await File.WriteAllTextAsync(path, hostJson);
            _hostJsonFiles.Add(path);
            values["LocalHost:HostJsonPath"] = path;
        }

        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        Host = await LocalHostProcess.StartAsync(values);
        return Host;
    }

    /// <summary>Stops the host (SIGTERM: a graceful shutdown), so that the next one can start with other settings.</summary>
    public async Task StopHostAsync()
    {
        await Host.DisposeAsync();
        Host = null!;
    }

    /// <summary>Submits <paramref name="count"/> messages, one recipient each (<c>r{i}-{run}@peer.test</c>), 8 at a time.</summary>
    public async Task<IReadOnlyList<Submitted>> SubmitAsync(int count, CancellationToken cancellationToken = default)
    {
        var submitted = new Submitted[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var recipient = $"r{i}-{_run}@{Domain}";
            var body = new { from = "sender@sender.test", to = recipient, subject = $"recovery {_run} {i}", text = $"Message {i} of run {_run}." };
            using var response = await Host.Client.PostAsJsonAsync("/api/messages", body, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"Submission {i} answered {(int)response.StatusCode}: {text}");
            }

            using var json = JsonDocument.Parse(text);
            submitted[i] = new Submitted(json.RootElement.GetProperty("id").GetString()!, recipient);
        });
        return submitted;
    }

    /// <summary>One recipient's status as the API gives it.</summary>
    public async Task<RecipientState> GetStatusAsync(Submitted message, CancellationToken cancellationToken = default)
    {
        using var response = await Host.Client.GetAsync($"/api/messages/{message.Id}", cancellationToken);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var recipient = json.RootElement.GetProperty("recipients").EnumerateArray()
            .Single(r => string.Equals(r.GetProperty("address").GetString(), message.Recipient, StringComparison.OrdinalIgnoreCase));
        return new RecipientState(
            recipient.GetProperty("status").GetString()!,
            recipient.GetProperty("attempts").GetInt32(),
            recipient.GetProperty("updatedAt").GetDateTimeOffset(),
            recipient.TryGetProperty("lastResponse", out var last) && last.ValueKind == JsonValueKind.String ? last.GetString() : null);
    }

    /// <summary>
    /// Polls the status API until every message's recipient is final or <paramref name="deadline"/> passes; returns the
    /// last state seen of each (by index). A deadline in the past looks once.
    /// </summary>
    public async Task<RecipientState[]> WaitUntilFinalAsync(IReadOnlyList<Submitted> messages, DateTimeOffset deadline, CancellationToken cancellationToken = default)
    {
        var states = new RecipientState?[messages.Count];
        while (true)
        {
            var open = Enumerable.Range(0, messages.Count).Where(i => states[i] is not { IsFinal: true }).ToList();
            await Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                try
                {
                    states[i] = await GetStatusAsync(messages[i], ct);
                }
                catch (HttpRequestException)
                {
                    // The host or storage is briefly unavailable; the next round asks again.
                }
            });
            if (states.All(s => s is { IsFinal: true }) || DateTimeOffset.UtcNow > deadline)
            {
                return states.Select(s => s ?? new RecipientState("unknown", 0, default, null)).ToArray();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    /// <summary>How many accepted copies of each message's recipient the sink holds, by index.</summary>
    public int[] CountDeliveries(IReadOnlyList<Submitted> messages)
    {
        var copies = Sink.ReadAcceptedMessages()
            .SelectMany(m => m.Recipients)
            .GroupBy(r => r, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
        return messages.Select(m => copies.GetValueOrDefault(m.Recipient)).ToArray();
    }

    /// <summary>Waits until the host has started at least <paramref name="count"/> jobs not yet delivered; returns how many.</summary>
    /// <remarks>
    /// Jobs run in waves (a batch whose RCPTs all take the same second), so a fault timed on the sink's count alone tends
    /// to land between two waves with nothing in flight. The host's own log (event 4012 per job run) says when one started.
    /// </remarks>
    public async Task<int> WaitForJobsInFlightAsync(IReadOnlyList<Submitted> messages, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            var started = Host.Output.Split('\n').Count(l => l.Contains("[4012] Executing DeliverMessage", StringComparison.Ordinal));
            var inFlight = started - CountDeliveries(messages).Count(c => c > 0);
            if (inFlight >= count)
            {
                return inFlight;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Never saw {count} jobs in flight (last {inFlight}).\n{Host.Output}");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        await Sink.DisposeAsync();
        await Dns.DisposeAsync();
        await Azurite.DisposeAsync();
        foreach (var path in _hostJsonFiles)
        {
            File.Delete(path);
        }
    }

    /// <summary>A message accepted by the API, and its one recipient.</summary>
    public sealed record Submitted(string Id, string Recipient);

    /// <summary>A recipient's status, attempts, last change and last reply.</summary>
    public sealed record RecipientState(string Status, int Attempts, DateTimeOffset UpdatedAt, string? LastResponse)
    {
        public bool IsFinal => RecipientStatus.IsFinal(Status);
    }
}
