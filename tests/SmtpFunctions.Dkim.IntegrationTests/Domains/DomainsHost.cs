using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Core;
using SmtpFunctions.Core.Domains;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Dns;

namespace SmtpFunctions.Dkim.IntegrationTests.Domains;

/// <summary>
/// The real Core against Azurite and a real DNS server (BIND), holding every tenant (the default one included) to its
/// verified domains, with the local secret store in a fresh directory.
/// </summary>
internal sealed class DomainsHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private DomainsHost(ServiceProvider services, string secrets)
    {
        _services = services;
        SecretDirectory = secrets;
    }

    public string SecretDirectory { get; }

    public DomainRegistrar Registrar => _services.GetRequiredService<DomainRegistrar>();

    public DomainVerifier Verifier => _services.GetRequiredService<DomainVerifier>();

    public DomainOptions Options => _services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DomainOptions>>().Value;

    public StorageAccount Storage => _services.GetRequiredService<StorageAccount>();

    public static async Task<DomainsHost> StartAsync(AzuriteProcess azurite, DnsServer dns, bool trustWithoutDns = false)
    {
        var secrets = Path.Combine(Path.GetTempPath(), "domain-secrets-" + Guid.NewGuid().ToString("N")[..12]);
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Routing:NameServers"] = $"{dns.Address}:{dns.Port}",
            ["Domains:SecretStorePath"] = secrets,
            ["Domains:DefaultTenantSenderDomains"] = "none",
            ["Domains:TrustRegistrationsWithoutDns"] = trustWithoutDns ? "true" : "false",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSmtpFunctionsCore(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await services.GetRequiredService<StorageAccount>().EnsureCreatedAsync();
        return new DomainsHost(services, secrets);
    }

    public Task<SubmissionOutcome> SubmitAsync(SubmissionRequest request) =>
        _services.GetRequiredService<SubmissionService>().SubmitAsync(request, CancellationToken.None);

    /// <summary>The stored octets and the DKIM column of an accepted message.</summary>
    public async Task<(byte[] Mime, string Dkim)> StoredAsync(string id)
    {
        var status = _services.GetRequiredService<StatusStore>();
        var row = await status.GetMessageAsync(id, CancellationToken.None) ?? throw new InvalidOperationException($"No message row for {id}.");
        var view = await status.GetViewAsync(id, CancellationToken.None) ?? throw new InvalidOperationException($"No status view for {id}.");
        var blob = await _services.GetRequiredService<MessageBlobs>().DownloadAsync(row.BlobName, CancellationToken.None);
        return (blob.ToArray(), view.Dkim ?? "");
    }

    public static SubmissionRequest Json(string tenant, string from, string? envelopeSender = null) => new()
    {
        TenantId = tenant,
        Source = envelopeSender is null ? SubmissionSource.HttpJson : SubmissionSource.Smtp,
        Payload = envelopeSender is null
            ? new JsonPayload(Encoding.UTF8.GetBytes($$"""{"from":"{{from}}","to":"reader@example.net","subject":"Hi","text":"Hello."}"""))
            : new MimePayload(Encoding.UTF8.GetBytes($"From: {from}\r\nTo: reader@example.net\r\nSubject: Hi\r\n\r\nHello.\r\n")),
        Envelope = envelopeSender is null ? null : new SubmissionEnvelope(envelopeSender, ["reader@example.net"]),
    };

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        if (Directory.Exists(SecretDirectory))
        {
            Directory.Delete(SecretDirectory, recursive: true);
        }
    }
}
