using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.LocalHost.Tests;

/// <summary>Azurite plus the local host on free loopback ports; the queue listener is off so jobs stay to be inspected.</summary>
public class LocalHostFixture : IAsyncLifetime
{
    public const string Key = "test-function-key-0123456789";
    public const long MaxMessageBytes = 1024 * 1024;

    private WebApplication? _app;

    public AzuriteProcess Azurite { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public StorageAccount Storage => Services.GetRequiredService<StorageAccount>();

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["LocalHost:RunQueueListener"] = "false",
    };

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteProcess.StartAsync();
        var url = $"http://127.0.0.1:{FreePorts.Next()}";
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = Azurite.ConnectionString,
            ["LocalHost:FunctionKey"] = Key,
            ["Submission:MaxMessageBytes"] = MaxMessageBytes.ToString(CultureInfo.InvariantCulture),
            ["Storage:MaxRetries"] = "0",
            ["Storage:NetworkTimeout"] = "00:00:05",
            ["Logging:LogLevel:Default"] = "Warning",
            // The sweeper and the poison watcher act on the queues the tests inspect; the tests of the safety net turn them on.
            ["Sweeper:Enabled"] = "false",
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        var args = new List<string> { "--urls", url };
        foreach (var (key, value) in settings)
        {
            args.Add($"--{key}={value}");
        }

        _app = LocalHostApp.Build([.. args]);
        await _app.StartAsync();
        Client = new HttpClient { BaseAddress = new Uri(url) };
        Client.DefaultRequestHeaders.Add("x-functions-key", Key);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await Azurite.DisposeAsync();
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static ByteArrayContent Mime(string mime)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(mime));
        content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        return content;
    }

    /// <summary>Jobs currently on the outbound queue for one message.</summary>
    public async Task<List<DeliveryJob>> JobsForAsync(string messageId)
    {
        var queue = Storage.Queues.GetQueueClient(StorageNames.OutboundQueue);
        var jobs = new List<DeliveryJob>();
        PeekedMessage[] peeked = (await queue.PeekMessagesAsync(32)).Value;
        var properties = await queue.GetPropertiesAsync();
        Assert.True(properties.Value.ApproximateMessagesCount <= 32, "tests keep the queue shallow enough to peek whole");
        foreach (var message in peeked)
        {
            var job = OutboundQueue.Deserialize(message.Body);
            if (job.MessageId == messageId)
            {
                jobs.Add(job);
            }
        }

        return jobs;
    }

    /// <summary>Removes every job (tests that count jobs start from an empty queue).</summary>
    public async Task ClearQueueAsync() =>
        await Storage.Queues.GetQueueClient(StorageNames.OutboundQueue).ClearMessagesAsync();

    public StatusStore Status => Services.GetRequiredService<StatusStore>();
}
