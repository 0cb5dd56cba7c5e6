using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Core;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Ingress.Accounts;
using SmtpFunctions.Ingress.Development;
using SmtpFunctions.Ingress.Tests.Fixtures;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

/// <summary>
/// The container's content without the container (no Docker engine here): the output of <c>dotnet publish</c>, started
/// with the Dockerfile's entry point and the environment the Container App gives it — certificate and accounts as
/// mounted Key Vault secret files, storage as <c>AzureWebJobsStorage</c> — and driven by swaks.
/// </summary>
public sealed class PublishedIngressTests : IAsyncLifetime
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly string _folder = Directory.CreateTempSubdirectory("ingress-published-").FullName;
    private AzuriteProcess? _azurite;

    private string App => Path.Combine(_folder, "app");

    private string Entry => Path.Combine(App, "SmtpFunctions.Ingress.dll");

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync();
        // The solution build already compiled the ingress in this configuration: publish only lays out what it built,
        // so that the test neither recompiles nor races other test projects for the build outputs.
        var (exit, output) = await ChildProcess.RunAsync("dotnet",
            ["publish", RepositoryPaths.Combine("functions", "SmtpFunctions.Ingress", "SmtpFunctions.Ingress.csproj"), "--configuration", Configuration, "--no-build", "--output", App, "-nologo"],
            TimeSpan.FromMinutes(10));
        Assert.True(exit == 0, output);
    }

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task PublishedOutput_WithTheContainerEnvironment_ServesHealthAndQueuesMail()
    {
        var ports = (Smtp: FreePorts.Next(), Tls: FreePorts.Next(), Health: FreePorts.Next());
        var environment = ContainerEnvironment(ports.Smtp, ports.Tls, ports.Health);
        await using var server = ChildProcess.Start("dotnet", [Entry], App, environment);
        await FreePorts.WaitForListenerAsync(System.Net.IPAddress.Loopback, ports.Smtp, TimeSpan.FromSeconds(60), () => server.IsRunning);
        await FreePorts.WaitForListenerAsync(System.Net.IPAddress.Loopback, ports.Tls, TimeSpan.FromSeconds(60), () => server.IsRunning);

        // The Dockerfile's HEALTHCHECK command, with the container's environment.
        var health = await RunWithEnvironmentAsync(["health"], new Dictionary<string, string> { ["Ingress__HealthPort"] = ports.Health.ToString(CultureInfo.InvariantCulture) });
        Assert.True(health.ExitCode == 0, health.Output);
        Assert.Contains("200 Healthy", health.Output, StringComparison.Ordinal);

        var subject = $"published {Guid.NewGuid():N}";
        var (exit, output) = await ClientTools.RunAsync(ClientTools.Swaks,
        [
            "--server", "127.0.0.1", "--port", ports.Smtp.ToString(CultureInfo.InvariantCulture), "--local-interface", "127.0.0.2",
            "--tls", "--auth", "LOGIN", "--auth-user", TestAccounts.Carol, "--auth-password", TestAccounts.CarolPassword,
            "--from", "carol@example.net", "--to", "someone@example.org", "--header", $"Subject: {subject}",
        ]);
        Assert.True(exit == 0, output + server.Output);
        Assert.Contains($"220 {IngressServer.Name} ESMTP", output, StringComparison.Ordinal);
        var id = TestMessages.QueuedId(output);
        Assert.NotNull(id);

        var (message, recipients) = await StatusStore().GetAsync(id, CancellationToken.None);
        Assert.Equal("smtp", message!.Source);
        Assert.Equal("someone@example.org", Assert.Single(recipients).Address);
        // One Information line for the accepted message, Core's, carrying the SMTP session in its scope.
        var accepted = Assert.Single(server.Output.Split('\n'), line => line.Contains($"Accepted {id} ", StringComparison.Ordinal));
        Assert.Contains($"Client:127.0.0.2 User:{TestAccounts.Carol}", accepted, StringComparison.Ordinal);
        Assert.DoesNotContain("Session ended: completed, 1 messages accepted", server.Output, StringComparison.Ordinal);
    }

    // A scale-in or a new revision: Container Apps sends SIGTERM, then SIGKILL 30 s later. The message being transferred
    // must get its 250 (committed first), every other session a 421 it can act on, and new connections go elsewhere.
    [Fact]
    public async Task PublishedOutput_OnSigterm_FinishesTheMessageInData_Tells421ToTheOthers_RefusesNewConnections_AndExits()
    {
        var ports = (Smtp: FreePorts.Next(), Tls: FreePorts.Next(), Health: FreePorts.Next());
        await using var server = ChildProcess.Start("dotnet", [Entry], App, ContainerEnvironment(ports.Smtp, ports.Tls, ports.Health));
        await FreePorts.WaitForListenerAsync(IPAddress.Loopback, ports.Smtp, TimeSpan.FromSeconds(60), () => server.IsRunning);
        var subject = $"drained {Guid.NewGuid():N}";
        await using var inData = await AuthenticatedAsync(ports.Smtp, "127.0.0.2");
        await inData.BeginMessageAsync(TestAccounts.Carol, "someone@example.org");
        await inData.SendAsync($"From: {TestAccounts.Carol}\r\nTo: someone@example.org\r\nSubject: {subject}\r\n\r\nfirst half\r\n");
        await using var idle = await AuthenticatedAsync(ports.Smtp, "127.0.0.3");

        ProcessTree.Signal(server.Id, ProcessTree.Terminate);

        // Unasked: the idle session is told at once, and closed.
        Assert.StartsWith("421 4.3.2 ", await idle.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.True(await idle.IsClosedAsync(TimeSpan.FromSeconds(10)));
        await WaitForRefusalAsync(ports.Smtp);
        Assert.True(server.IsRunning, "exited with a message still in DATA:\n" + server.Output);

        await inData.SendAsync("second half\r\n.\r\n");
        var queued = await inData.ReadReplyAsync();
        var id = TestMessages.QueuedId(queued);
        Assert.True(id is not null, $"the message in DATA was not accepted while draining: '{queued}'\n{server.Output}");
        var (message, _) = await StatusStore().GetAsync(id, CancellationToken.None);
        Assert.NotNull(message);
        Assert.StartsWith("421 4.3.2 ", await inData.CommandAsync($"MAIL FROM:<{TestAccounts.Carol}>"), StringComparison.Ordinal);

        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await server.WaitForExitAsync(exit.Token);
        Assert.True(server.ExitCode == 0, server.Output);
        Assert.Contains("Drained in", server.Output, StringComparison.Ordinal);
        Assert.Contains("Session ended: shutting_down, 1 messages accepted", server.Output, StringComparison.Ordinal);
    }

    // A client that stalls in DATA cannot hold the process past Ingress:ShutdownGrace; its message is not committed.
    [Fact]
    public async Task PublishedOutput_OnSigterm_EndsAStalledDataAfterTheGrace_WithoutCommittingIt()
    {
        var ports = (Smtp: FreePorts.Next(), Tls: FreePorts.Next(), Health: FreePorts.Next());
        var environment = ContainerEnvironment(ports.Smtp, ports.Tls, ports.Health);
        environment["Ingress__ShutdownGrace"] = "00:00:02";
        await using var server = ChildProcess.Start("dotnet", [Entry], App, environment);
        await FreePorts.WaitForListenerAsync(IPAddress.Loopback, ports.Smtp, TimeSpan.FromSeconds(60), () => server.IsRunning);
        await using var stalled = await AuthenticatedAsync(ports.Smtp, "127.0.0.2");
        await stalled.BeginMessageAsync(TestAccounts.Carol, "someone@example.org");
        await stalled.SendAsync($"From: {TestAccounts.Carol}\r\nTo: someone@example.org\r\nSubject: stalled\r\n\r\nnever finished\r\n");

        ProcessTree.Signal(server.Id, ProcessTree.Terminate);

        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await server.WaitForExitAsync(exit.Token);
        Assert.True(server.ExitCode == 0, server.Output);
        Assert.Contains("1 sessions still open after the 2 s shutdown grace", server.Output, StringComparison.Ordinal);
        Assert.True(await stalled.IsClosedAsync(TimeSpan.FromSeconds(10)));
        Assert.DoesNotContain("Accepted ", server.Output, StringComparison.Ordinal);
    }

    private static async Task<RawSmtpClient> AuthenticatedAsync(int port, string from)
    {
        var client = await RawSmtpClient.ConnectAsync(port, IPAddress.Parse(from));
        await client.StartTlsAsync();
        Assert.StartsWith("235 ", await client.AuthPlainAsync(TestAccounts.Carol, TestAccounts.CarolPassword), StringComparison.Ordinal);
        return client;
    }

    // The listening socket closes when the drain begins, on its own thread: waits for it, not for a time.
    private static async Task WaitForRefusalAsync(int port)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            using var probe = new System.Net.Sockets.TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, port, deadline.Token);
            }
            catch (System.Net.Sockets.SocketException ex) when (ex.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionRefused)
            {
                return;
            }

            await Task.Delay(50, deadline.Token);
        }
    }

    [Fact]
    public async Task PublishedOutput_HashPassword_ReadsStdinAndPrintsAUsableHash()
    {
        var (exit, output) = await ChildProcess.RunAsync("dotnet", [Entry, "hash-password"], TimeSpan.FromMinutes(1), "correct horse battery\n");

        Assert.True(exit == 0, output);
        Assert.True(PasswordHash.TryParse(output.Trim(), out var hash, out var problem), problem);
        Assert.True(hash.Verify("correct horse battery"));
    }

    [Fact]
    public async Task PublishedOutput_WithoutACertificate_RefusesToStartAndSaysWhy()
    {
        var environment = ContainerEnvironment(FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        environment.Remove("Ingress__CertificatePath");

        var (exit, output) = await RunWithEnvironmentAsync([], environment);

        Assert.NotEqual(0, exit);
        Assert.Contains("Ingress:CertificatePath", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishedOutput_InContainerAppsWithATrustedNetwork_RefusesToStart_BecauseItWouldBeAnOpenRelay()
    {
        // The variables Container Apps sets in every container; its TCP ingress hides client addresses.
        var environment = ContainerEnvironment(FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        environment["CONTAINER_APP_NAME"] = "ca-smtp-ingress-test";
        environment["CONTAINER_APP_ENV_DNS_SUFFIX"] = "calm-sea-0123.westeurope.azurecontainerapps.io";
        environment["Ingress__TrustedNetworks"] = "10.0.0.0/8";

        var (exit, output) = await RunWithEnvironmentAsync([], environment);

        Assert.NotEqual(0, exit);
        Assert.Contains("Ingress:TrustedNetworks must be empty here", output, StringComparison.Ordinal);
        Assert.Contains("open relay", output, StringComparison.Ordinal);
    }

    private Dictionary<string, string> ContainerEnvironment(int smtpPort, int tlsPort, int healthPort)
    {
        // As Key Vault secrets appear in a Container Apps secret volume: a certificate's secret is Base64 PFX text.
        var secrets = Directory.CreateDirectory(Path.Combine(_folder, "secrets")).FullName;
        var certificate = Path.Combine(secrets, "smtp-certificate");
        File.WriteAllText(certificate, Convert.ToBase64String(DevelopmentCertificate.Create(IngressServer.Name, DateTimeOffset.UtcNow)));
        var users = TestAccounts.WriteUsersFile(secrets);
        return new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Ingress__Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
            ["Ingress__ImplicitTlsPort"] = tlsPort.ToString(CultureInfo.InvariantCulture),
            ["Ingress__HealthPort"] = healthPort.ToString(CultureInfo.InvariantCulture),
            ["Ingress__BindAddress"] = "127.0.0.1",
            ["Ingress__ServerName"] = IngressServer.Name,
            ["Ingress__CertificatePath"] = certificate,
            ["Ingress__UsersFile"] = users,
            ["Ingress__CreateStorage"] = "true",
            ["AzureWebJobsStorage"] = _azurite!.ConnectionString,
        };
    }

    private async Task<(int ExitCode, string Output)> RunWithEnvironmentAsync(string[] arguments, IDictionary<string, string> environment)
    {
        await using var process = ChildProcess.Start("dotnet", [Entry, .. arguments], App, environment);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, process.Output);
    }

    private StatusStore StatusStore()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = _azurite!.ConnectionString }).Build();
        return new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddSmtpFunctionsCore(configuration).BuildServiceProvider().GetRequiredService<StatusStore>();
    }
}
