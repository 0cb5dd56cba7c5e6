using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Core;
using SmtpFunctions.Core.Dkim;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Testing.Azurite;

namespace SmtpFunctions.Dkim.IntegrationTests.Dkim;

/// <summary>The real Core (submission, storage, status) against Azurite, configured with the given DKIM keys.</summary>
internal sealed class SigningHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private SigningHost(ServiceProvider services)
    {
        _services = services;
    }

    public static async Task<SigningHost> StartAsync(AzuriteProcess azurite, params DkimKeyPair[] keys)
    {
        var settings = new Dictionary<string, string?> { ["AzureWebJobsStorage"] = azurite.ConnectionString };
        for (var i = 0; i < keys.Length; i++)
        {
            settings[$"Dkim:Keys:{i}:Domain"] = keys[i].Domain;
            settings[$"Dkim:Keys:{i}:Selector"] = keys[i].Selector;
            settings[$"Dkim:Keys:{i}:Algorithm"] = DkimAlgorithms.Tag(keys[i].Algorithm);
            settings[$"Dkim:Keys:{i}:PrivateKey"] = keys[i].PrivateKeyPem;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSmtpFunctionsCore(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await services.GetRequiredService<StorageAccount>().EnsureCreatedAsync();
        return new SigningHost(services);
    }

    /// <summary>Submits and returns what was stored: the blob's octets and the message row's DKIM column, via the status view.</summary>
    public async Task<StoredMessage> SubmitAsync(SubmissionRequest request)
    {
        var outcome = await _services.GetRequiredService<SubmissionService>().SubmitAsync(request, CancellationToken.None);
        Assert.True(outcome.IsAccepted, outcome.Error?.Detail);
        var id = outcome.Receipt!.MessageId;
        var status = _services.GetRequiredService<StatusStore>();
        var row = await status.GetMessageAsync(id, CancellationToken.None) ?? throw new InvalidOperationException($"No message row for {id}.");
        var view = await status.GetViewAsync(id, CancellationToken.None) ?? throw new InvalidOperationException($"No status view for {id}.");
        var blob = await _services.GetRequiredService<MessageBlobs>().DownloadAsync(row.BlobName, CancellationToken.None);
        return new StoredMessage(id, blob.ToArray(), view.Dkim ?? "", row);
    }

    public static SubmissionRequest Json(string json) => new()
    {
        Source = SubmissionSource.HttpJson,
        Payload = new JsonPayload(Encoding.UTF8.GetBytes(json)),
    };

    public static SubmissionRequest Mime(byte[] octets, SubmissionEnvelope? envelope = null) => new()
    {
        Source = envelope is null ? SubmissionSource.HttpMime : SubmissionSource.Smtp,
        Payload = new MimePayload(octets),
        Envelope = envelope,
    };

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
