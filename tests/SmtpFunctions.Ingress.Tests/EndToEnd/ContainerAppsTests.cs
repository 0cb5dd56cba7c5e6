using Microsoft.Extensions.Options;
using SmtpFunctions.Ingress.Options;
using SmtpFunctions.Ingress.Tests.Fixtures;
using SmtpFunctions.Testing.Azurite;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

/// <summary>
/// Inside Azure Container Apps (the platform sets <c>CONTAINER_APP_NAME</c> and <c>CONTAINER_APP_ENV_DNS_SUFFIX</c>)
/// the TCP ingress gives every client an internal address, so a trusted network would make the ingress an open relay:
/// the host refuses to start with one, and without one nobody submits unauthenticated.
/// </summary>
public sealed class ContainerAppsTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> ContainerApps = new()
    {
        [HostingPlatform.ContainerAppNameVariable] = "ca-smtp-ingress-test",
        [HostingPlatform.ContainerAppDnsSuffixVariable] = "calm-sea-0123.westeurope.azurecontainerapps.io",
    };

    private AzuriteProcess? _azurite;

    public async Task InitializeAsync() => _azurite = await AzuriteProcess.StartAsync();

    public async Task DisposeAsync() => await _azurite!.DisposeAsync();

    [Fact]
    public async Task TrustedNetworks_InContainerApps_StopTheHostAtStart_SayingWhy()
    {
        // The shared test server trusts 127.0.0.1/32; here that would be every client on the internet.
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => IngressServer.StartAsync(_azurite!.ConnectionString, ContainerApps));

        Assert.Contains("TrustedNetworks", failure.Message, StringComparison.Ordinal);
        Assert.Contains("open relay", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InContainerApps_WithoutTrustedNetworks_EveryClientMustAuthenticate()
    {
        await using var server = await IngressServer.StartAsync(_azurite!.ConnectionString, new Dictionary<string, string?>(ContainerApps) { ["Ingress:TrustedNetworks"] = "" });
        await using var client = await RawSmtpClient.ConnectAsync(server.StartTlsPort);
        await client.CommandAsync("EHLO inside.test");

        Assert.StartsWith("530 5.7.0 Authentication required", await client.CommandAsync("MAIL FROM:<anyone@example.com>"), StringComparison.Ordinal);
        Assert.StartsWith("530 5.7.0 Authentication required", await client.CommandAsync("RCPT TO:<victim@example.net>"), StringComparison.Ordinal);
        Assert.StartsWith("530 5.7.0 Authentication required", await client.CommandAsync("DATA"), StringComparison.Ordinal);
        Assert.Equal((0, 0, 0), await server.Storage.CountAsync());
    }
}
