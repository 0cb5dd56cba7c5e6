using System.Globalization;
using System.Net;
using System.Text.Json;
using SmtpFunctions.LocalHost.Tests.Recovery;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.LocalHost.Tests.Events;

/// <summary>
/// The local host's <c>webhook-receiver</c> subcommand as a process of its own: it checks each request's signature and
/// prints a JSON line per request, which this class reads back.
/// </summary>
internal sealed class WebhookReceiverProcess : IAsyncDisposable
{
    private readonly DaemonProcess _process;

    private WebhookReceiverProcess(DaemonProcess process, IPAddress address, int port)
    {
        _process = process;
        Url = $"http://{address}:{port}/hook";
        Address = address;
        Port = port;
    }

    /// <summary>Where it listens.</summary>
    public string Url { get; }

    /// <summary>Its address.</summary>
    public IPAddress Address { get; }

    /// <summary>Its port.</summary>
    public int Port { get; }

    /// <summary>What it printed.</summary>
    public string Output => _process.Output;

    /// <summary>Starts it with <paramref name="secret"/>; <paramref name="failFirst"/> requests are answered 500.</summary>
    public static async Task<WebhookReceiverProcess> StartAsync(string secret, IPAddress? address = null, int failFirst = 0)
    {
        var on = address ?? LoopbackAddresses.Next();
        var port = FreePorts.Next(on);
        var entry = Path.Combine(LocalHostProcess.Folder, "SmtpFunctions.LocalHost.dll");
        var process = DaemonProcess.Start("dotnet", [entry, "webhook-receiver", "--port", port.ToString(CultureInfo.InvariantCulture), "--address", on.ToString(), "--secret", secret,
            "--fail-first", failFirst.ToString(CultureInfo.InvariantCulture)], LocalHostProcess.Folder);
        try
        {
            await FreePorts.WaitForListenerAsync(on, port, TimeSpan.FromSeconds(60), () => process.IsRunning);
        }
        catch (Exception ex)
        {
            await process.DisposeAsync();
            throw new InvalidOperationException("webhook-receiver did not start:\n" + process.Output, ex);
        }

        return new WebhookReceiverProcess(process, on, port);
    }

    /// <summary>Every request it has printed so far.</summary>
    public IReadOnlyList<ReceivedRequest> Requests()
    {
        var requests = new List<ReceivedRequest>();
        foreach (var line in Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('{')))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var data = root.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
            requests.Add(new ReceivedRequest(
                root.GetProperty("status").GetInt32(),
                root.GetProperty("valid").GetBoolean(),
                root.GetProperty("duplicate").GetBoolean(),
                Text("webhookId") ?? "",
                Text("type"),
                Text("sequence"),
                data.ValueKind == JsonValueKind.Object ? data.GetProperty("messageId").GetString() : null,
                data.ValueKind == JsonValueKind.Object ? data.GetProperty("recipient").GetString() : null,
                data.ValueKind == JsonValueKind.Object ? data.GetRawText() : null));
        }

        return requests;
    }

    /// <summary>Waits until <paramref name="done"/> holds for what was received (checked as lines arrive), or fails.</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitUntilAsync(Func<IReadOnlyList<ReceivedRequest>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var requests = Requests();
            if (done(requests))
            {
                return requests;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The receiver did not get the expected events within {timeout}; it printed:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

/// <summary>One request the receiver printed.</summary>
internal sealed record ReceivedRequest(int Status, bool Valid, bool Duplicate, string WebhookId, string? Type, string? Sequence, string? MessageId, string? Recipient, string? Data)
{
    public int SequenceNumber => int.Parse(Sequence ?? "0", CultureInfo.InvariantCulture);
}
