using System.Globalization;
using System.Net;
using SmtpFunctions.Benchmarks.Measurement;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Benchmarks.Submission;

/// <summary>
/// Azurite and the local host as a separate process (so that its CPU and memory are its own), with an HTTP client for it.
/// <c>--host PATH</c> runs another build of the host (an older commit's, to measure before and after).
/// </summary>
public sealed class LocalHostUnderTest : IAsyncDisposable
{
    /// <summary>The function key the host is given.</summary>
    public const string Key = "benchmark-function-key-0123456789";

    private readonly bool _ownsAzurite;

    private LocalHostUnderTest(AzuriteProcess azurite, bool ownsAzurite, ChildProcess host, HttpClient client)
    {
        Azurite = azurite;
        _ownsAzurite = ownsAzurite;
        Host = host;
        Client = client;
    }

    /// <summary>The storage.</summary>
    public AzuriteProcess Azurite { get; }

    /// <summary>The host process.</summary>
    public ChildProcess Host { get; }

    /// <summary>A client for the host with the key set.</summary>
    public HttpClient Client { get; }

    /// <summary>
    /// Starts both (or the host alone on <paramref name="sharedAzurite"/>); <paramref name="settings"/> are extra
    /// configuration (as environment variables). The queue listener runs only when <paramref name="deliver"/>.
    /// </summary>
    public static async Task<LocalHostUnderTest> StartAsync(
        string? hostAssembly, int connections, IDictionary<string, string>? settings = null, AzuriteProcess? sharedAzurite = null, bool deliver = false)
    {
        // On disk: large benchmark messages would otherwise sit in Azurite's memory beside the host's.
        var azurite = sharedAzurite ?? await AzuriteProcess.StartAsync(inMemory: false);
        var port = FreePorts.Next();
        var environment = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["LocalHost__FunctionKey"] = Key,
            ["LocalHost__RunQueueListener"] = deliver ? "true" : "false",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var host = ChildProcess.Start("dotnet", [hostAssembly ?? BuildOutput.Assembly("SmtpFunctions.LocalHost"), "--urls", $"http://127.0.0.1:{port}"], environment: environment);
        await FreePorts.WaitForListenerAsync(IPAddress.Loopback, port, TimeSpan.FromSeconds(60), () => host.IsRunning);
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"),
            Timeout = TimeSpan.FromMinutes(10),
        };
        client.DefaultRequestHeaders.Add("x-functions-key", Key);
        return new LocalHostUnderTest(azurite, sharedAzurite is null, host, client);
    }

    /// <summary>POSTs one body with a content type and returns the status code.</summary>
    public async Task<HttpStatusCode> PostAsync(byte[] body, string contentType, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await Client.PostAsync("/api/messages", content, cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return response.StatusCode;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        if (_ownsAzurite)
        {
            await Azurite.DisposeAsync();
        }
    }
}
