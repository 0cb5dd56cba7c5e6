using System.Globalization;
using Microsoft.AspNetCore.Builder;
using SmtpFunctions.LocalHost;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Core.IntegrationTests.Infrastructure;

/// <summary>
/// The HTTP API as the local host serves it (Kestrel on a free loopback port, in this process) over the test's Azurite,
/// without its queue listener: the test's <see cref="DeliveryHost"/> delivers. Another instance, as far as caches go.
/// </summary>
internal sealed class ApiHost : IAsyncDisposable
{
    public const string Key = "integration-function-key-0123456789";

    private readonly WebApplication _app;

    private ApiHost(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    /// <summary>A client that sends the function key.</summary>
    public HttpClient Client { get; }

    public static async Task<ApiHost> StartAsync(string storageConnection)
    {
        var url = $"http://127.0.0.1:{FreePorts.Next().ToString(CultureInfo.InvariantCulture)}";
        var app = LocalHostApp.Build(
        [
            "--urls", url,
            $"--AzureWebJobsStorage={storageConnection}",
            $"--LocalHost:FunctionKey={Key}",
            "--LocalHost:RunQueueListener=false",
            "--Storage:MaxRetries=0",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri(url) };
        client.DefaultRequestHeaders.Add("x-functions-key", Key);
        return new ApiHost(app, client);
    }

    /// <summary>The path of one suppression: the address percent-encoded as one segment (what the API documents).</summary>
    public static string SuppressionPath(string address) => "/api/suppressions/" + Uri.EscapeDataString(address);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
