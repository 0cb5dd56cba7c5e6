using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.LocalHost.Keys;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.LocalHost.Tests.Keys;

/// <summary>
/// One Azurite and two local hosts on it, as two instances of one deployment: API keys required (no default tenant for
/// requests without one), a 2-second key cache and rate-limit chunks of 2, so revocation and the shared limit can be seen
/// across instances.
/// </summary>
public sealed class TenantHostsFixture : IAsyncLifetime
{
    public const string FunctionKey = "test-function-key-0123456789";
    public static readonly TimeSpan CacheTtl = TimeSpan.FromSeconds(2);
    public const int RateLimitChunk = 2;

    private readonly List<WebApplication> _apps = [];
    private readonly string _secretsId = Guid.NewGuid().ToString("N")[..12];

    public AzuriteProcess Azurite { get; private set; } = null!;

    public HttpClient A { get; private set; } = null!;

    public HttpClient B { get; private set; } = null!;

    public IServiceProvider ServicesA => _apps[0].Services;

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteProcess.StartAsync();
        A = await StartHostAsync();
        B = await StartHostAsync();
    }

    public async Task DisposeAsync()
    {
        A.Dispose();
        B.Dispose();
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        await Azurite.DisposeAsync();
    }

    /// <summary>Makes a key the bootstrap way, with the <c>keys create</c> command against the same Azurite; returns the token.</summary>
    public async Task<string> CreateKeyWithCommandAsync(string tenant, string scopes, params string[] extra)
    {
        var output = new StringWriter();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = Azurite.ConnectionString })
            .Build();
        var code = await KeysCommand.RunAsync(["create", "--tenant", tenant, "--name", "test " + scopes, "--scopes", scopes, .. extra], configuration, output);
        Assert.True(code == 0, output.ToString());
        // A tenant sends only from its verified domains; the hosts trust registrations without DNS (domain tests check DNS).
        var registration = await ServicesA.GetRequiredService<SmtpFunctions.Core.Domains.DomainRegistrar>().RegisterAsync(tenant, SenderDomain(tenant), CancellationToken.None);
        Assert.True(registration.Domain?.Status == SmtpFunctions.Core.Domains.DomainStatus.Verified, registration.Problem);
        return output.ToString().Split('\n', StringSplitOptions.TrimEntries).Single(line => line.StartsWith("sf_", StringComparison.Ordinal));
    }

    /// <summary>Runs the operator's <c>suppressions</c> command against the same Azurite; returns its exit code and output.</summary>
    public async Task<(int Code, string Output)> SuppressionsCommandAsync(params string[] args)
    {
        var output = new StringWriter();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = Azurite.ConnectionString })
            .Build();
        var code = await SmtpFunctions.LocalHost.Suppressions.SuppressionsCommand.RunAsync(args, configuration, output);
        return (code, output.ToString());
    }

    /// <summary>Makes a key through <c>POST /api/keys</c> with an admin key; returns the created key's JSON.</summary>
    public static async Task<JsonElement> CreateKeyAsync(HttpClient client, string adminToken, string body)
    {
        using var response = await SendAsync(client, HttpMethod.Post, "/api/keys", adminToken, Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? token, HttpContent? content = null,
        string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A message from the tenant's own verified domain (<see cref="SenderDomain"/>).</summary>
    public static StringContent Message(string tenant, string subject = "Tenants") =>
        Json($$"""{"from":"alice@{{SenderDomain(tenant)}}","to":["bob@example.net"],"subject":"{{subject}}","text":"Hello."}""");

    /// <summary>The sending domain each test tenant gets verified with its first key: a domain is one tenant's at most.</summary>
    public static string SenderDomain(string tenant) => $"{tenant}.example";

    private async Task<HttpClient> StartHostAsync()
    {
        var url = $"http://127.0.0.1:{FreePorts.Next()}";
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = Azurite.ConnectionString,
            ["LocalHost:FunctionKey"] = FunctionKey,
            ["LocalHost:RunQueueListener"] = "false",
            ["Storage:MaxRetries"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Sweeper:Enabled"] = "false",
            ["ApiKeys:DefaultTenantWithoutKey"] = "false",
            ["Domains:TrustRegistrationsWithoutDns"] = "true",
            ["Domains:CacheTtl"] = "00:00:00",
            ["Domains:SecretStorePath"] = Path.Combine(Path.GetTempPath(), "tenant-hosts-secrets-" + _secretsId),
            ["ApiKeys:CacheTtl"] = CacheTtl.ToString(),
            ["Suppression:CacheTtl"] = CacheTtl.ToString(),
            ["ApiKeys:RateLimitChunk"] = RateLimitChunk.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var args = new List<string> { "--urls", url };
        args.AddRange(settings.Select(s => $"--{s.Key}={s.Value}"));
        var app = LocalHostApp.Build([.. args]);
        await app.StartAsync();
        _apps.Add(app);
        var client = new HttpClient { BaseAddress = new Uri(url) };
        client.DefaultRequestHeaders.Add("x-functions-key", FunctionKey);
        return client;
    }
}
