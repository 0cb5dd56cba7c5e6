using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Core.Domains;
using SmtpFunctions.Ingress.Accounts;
using SmtpFunctions.Ingress.Tests.Fixtures;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

/// <summary>
/// An SMTP account of a tenant sends only from that tenant's verified domains, at MAIL FROM and again for the From header
/// after DATA, as the HTTP door does; what is refused is never queued.
/// </summary>
public sealed class TenantDomainTests(TenantDomainTests.Ingress ingress) : IClassFixture<TenantDomainTests.Ingress>
{
    private const string Tenant = "smtp-tenant";
    private const string User = "app@smtp-tenant";
    private const string Password = "tenant-Pa55word!";

    [Fact]
    public async Task TenantAccount_SendsFromItsVerifiedDomain_AndIsRefusedAnyOther_AtMailFromAndAfterData()
    {
        var registrar = ingress.Server.Services.GetRequiredService<DomainRegistrar>();
        var verified = await registrar.RegisterAsync(Tenant, "verified.smtp-tenant.example", CancellationToken.None);
        Assert.Equal(DomainStatus.Verified, verified.Domain?.Status);
        var othersDomain = await registrar.RegisterAsync("other-smtp-tenant", "theirs.smtp-tenant.example", CancellationToken.None);
        Assert.Equal(DomainStatus.Verified, othersDomain.Domain?.Status);
        var before = await ingress.Server.Storage.CountAsync();
        await using var client = await RawSmtpClient.ConnectAsync(ingress.Server.StartTlsPort, IngressServer.Untrusted(41));
        await client.StartTlsAsync();
        Assert.StartsWith("235", await client.AuthPlainAsync(User, Password), StringComparison.Ordinal);

        var foreign = await client.CommandAsync("MAIL FROM:<someone@elsewhere.example>");
        var others = await client.CommandAsync("MAIL FROM:<news@theirs.smtp-tenant.example>");
        Assert.StartsWith("250 2.1.0", await client.CommandAsync("MAIL FROM:<news@verified.smtp-tenant.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<user@example.net>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
        await client.SendAsync(TestMessages.Simple("boss@elsewhere.example", "user@example.net", "spoofed From") + ".\r\n");
        var spoofed = await client.ReadReplyAsync();
        await client.BeginMessageAsync("news@verified.smtp-tenant.example", "user@example.net");
        await client.SendAsync(TestMessages.Simple("news@verified.smtp-tenant.example", "user@example.net", "from the tenant") + ".\r\n");
        var id = TestMessages.QueuedId(await client.ReadReplyAsync());

        Assert.StartsWith("550 5.7.1 Sender domain elsewhere.example is not a verified sending domain", foreign, StringComparison.Ordinal);
        Assert.StartsWith("550 5.7.1 Sender domain theirs.smtp-tenant.example is not a verified sending domain", others, StringComparison.Ordinal);
        Assert.StartsWith("550 5.7.1", spoofed, StringComparison.Ordinal);
        Assert.Contains("elsewhere.example", spoofed, StringComparison.Ordinal);
        Assert.NotNull(id);
        var (message, _) = await ingress.Server.Storage.RowsOfAsync(id!);
        Assert.Equal(Tenant, message?.TenantId);
        var after = await ingress.Server.Storage.CountAsync();
        Assert.Equal(before.Messages + 1, after.Messages);
    }

    /// <summary>An account of the tenant, domains trusted without DNS (the domain tests look records up), no domain cache.</summary>
    public sealed class Ingress : OwnIngress
    {
        private readonly string _secrets = Directory.CreateTempSubdirectory("ingress-tenant-secrets-").FullName;

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Ingress:Users:2:Name"] = User,
            ["Ingress:Users:2:PasswordHash"] = PasswordHash.Create(Password, 10_000),
            ["Ingress:Users:2:TenantId"] = Tenant,
            // Any of the tenant's domains: the tenant rule alone decides.
            ["Ingress:Users:2:SenderDomains"] = "*",
            ["Domains:TrustRegistrationsWithoutDns"] = "true",
            ["Domains:CacheTtl"] = "00:00:00",
            ["Domains:SecretStorePath"] = _secrets,
        };
    }
}
