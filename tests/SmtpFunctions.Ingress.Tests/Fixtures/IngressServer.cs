using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Ingress.Hosting;
using SmtpFunctions.Ingress.Network;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Ingress.Tests.Fixtures;

/// <summary>
/// The real ingress host, in this process, listening on free loopback ports against a given storage account. Clients
/// connect from other 127.0.0.x addresses to be treated as other clients; 127.0.0.1 is the trusted network.
/// </summary>
public sealed class IngressServer : IAsyncDisposable
{
    /// <summary>Server name in greetings and in the development certificate.</summary>
    public const string Name = "ingress.test";

    private readonly WebApplication _app;
    private readonly string _folder;

    private IngressServer(WebApplication app, string folder, int startTlsPort, int implicitTlsPort)
    {
        _app = app;
        _folder = folder;
        StartTlsPort = startTlsPort;
        ImplicitTlsPort = implicitTlsPort;
        Storage = new StorageProbe(app.Services.GetRequiredService<StorageAccount>(), app.Services.GetRequiredService<StatusStore>(), app.Services.GetRequiredService<MessageBlobs>());
    }

    /// <summary>The STARTTLS port (587's role).</summary>
    public int StartTlsPort { get; }

    /// <summary>The implicit-TLS port (465's role).</summary>
    public int ImplicitTlsPort { get; }

    /// <summary>What is in storage.</summary>
    public StorageProbe Storage { get; }

    /// <summary>The host's services (the connection limiter, the memory budget …), for tests that watch them.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Core's submission path of this host (what the HTTP function calls).</summary>
    public SubmissionService Submission => _app.Services.GetRequiredService<SubmissionService>();

    /// <summary>Starts a server; <paramref name="overrides"/> win over the test defaults.</summary>
    public static async Task<IngressServer> StartAsync(string storageConnectionString, IDictionary<string, string?>? overrides = null)
    {
        var folder = Directory.CreateTempSubdirectory("ingress-server-").FullName;
        var startTlsPort = FreePorts.Next();
        var implicitTlsPort = FreePorts.Next();
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storageConnectionString,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Ingress:Port"] = startTlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ingress:ImplicitTlsPort"] = implicitTlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ingress:HealthPort"] = "0",
            ["Ingress:BindAddress"] = "127.0.0.1",
            ["Ingress:ServerName"] = Name,
            ["Ingress:DevCertificate"] = "true",
            ["Ingress:DevCertificateFolder"] = folder,
            ["Ingress:CreateStorage"] = "true",
            ["Ingress:TrustedNetworks"] = "127.0.0.1/32",
            ["Ingress:GreetingDelay"] = "00:00:00.300",
            ["Ingress:AuthFailureDelayAfter"] = "2",
            ["Ingress:AuthFailureDelay"] = "00:00:00.500",
            ["Ingress:AuthFailureLimit"] = "5",
            // Far above the per-address limit, so that the tests of that limit do not lock the shared accounts;
            // AccountLockoutTests have a server of their own.
            ["Ingress:AccountFailureLimit"] = "50",
            ["Ingress:MaxConnectionsPerClient"] = "4",
            ["Ingress:CommandTimeout"] = "00:00:05",
            ["Ingress:UsersFile"] = TestAccounts.WriteUsersFile(folder),
            ["Submission:MaxMessageBytes"] = "1048576",
            ["Storage:MaxRetries"] = "1",
            ["Storage:RetryDelay"] = "00:00:00.100",
            ["Storage:NetworkTimeout"] = "00:00:05",
        };
        foreach (var (key, value) in TestAccounts.Configuration())
        {
            settings[key] = value;
        }

        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var builder = IngressHost.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(settings);
        var app = IngressHost.Build(builder);
        await app.StartAsync();
        var endpoints = app.Services.GetRequiredService<IngressEndpoints>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await endpoints.WaitAsync(ListenerKind.StartTls, timeout.Token);
        await endpoints.WaitAsync(ListenerKind.ImplicitTls, timeout.Token);
        // The ingress listens before its storage exists (Ingress:CreateStorage creates it beside the listeners), and a test
        // that writes a table straight away (registering a domain) must not race it: creating is idempotent, so make sure.
        await app.Services.GetRequiredService<StorageAccount>().EnsureCreatedAsync(
            shards: app.Services.GetRequiredService<StorageShards>(), cancellationToken: timeout.Token);
        return new IngressServer(app, folder, startTlsPort, implicitTlsPort);
    }

    /// <summary>
    /// Accepts the test server's certificate only: the self-signed development certificate made for <see cref="Name"/>
    /// (clients of a development server are told to trust exactly that one).
    /// </summary>
    public static bool IsServerCertificate(X509Certificate? certificate)
    {
        if (certificate is null || !certificate.Subject.Contains("O=SmtpFunctions development", StringComparison.Ordinal))
        {
            return false;
        }

        using var loaded = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return loaded.MatchesHostname(Name);
    }

    /// <summary>A loopback address other than the trusted 127.0.0.1, for a client that must authenticate.</summary>
    public static IPAddress Untrusted(byte last) => new([127, 0, 0, last]);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }
}
