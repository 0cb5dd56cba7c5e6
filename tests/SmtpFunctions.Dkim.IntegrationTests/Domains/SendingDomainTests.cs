using System.Text;
using Azure.Data.Tables;
using SmtpFunctions.Core.Domains;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Dkim.IntegrationTests.Dkim;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Dns;

namespace SmtpFunctions.Dkim.IntegrationTests.Domains;

/// <summary>
/// Tenants' sending domains end to end: registration against Azurite, verification through a real DNS server (BIND)
/// serving — or not yet serving — the records, the verified-domain rule at submission, and DKIM with the domain's own
/// keys checked by dkimpy.
/// </summary>
[Collection(DkimCollection.Name)]
public sealed class SendingDomainTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Verify_BeforeRecordsArePublished_IsPendingWithReason_ThenVerifiedOncePublished()
    {
        await using var dns = await DnsServer.StartAsync();
        await using var host = await DomainsHost.StartAsync(azurite.Azurite, dns);
        var domain = Unique("brand");

        var registered = await host.Registrar.RegisterAsync("tenant-a", domain, CancellationToken.None);
        Assert.True(registered.Created);
        Assert.Equal(DomainStatus.Pending, registered.Domain!.Status);

        await dns.SetZoneAsync(new DnsZone(domain).A(domain, "127.0.0.1"));
        var before = await host.Verifier.VerifyAsync("tenant-a", domain, CancellationToken.None);
        Assert.Equal(DomainStatus.Pending, before!.Status);
        Assert.Contains($"no TXT record at {registered.Domain.RsaSelector}._domainkey.{domain}", before.Reason, StringComparison.Ordinal);
        Assert.Contains($"no TXT record at {registered.Domain.Ed25519Selector}._domainkey.{domain}", before.Reason, StringComparison.Ordinal);

        // A record with another key does not verify it either.
        var otherKey = Core.Dkim.DkimKeyGenerator.Generate(domain, registered.Domain.RsaSelector, MimeKit.Cryptography.DkimSignatureAlgorithm.RsaSha256);
        await dns.SetZoneAsync(new DnsZone(domain).Txt(otherKey.RecordName, otherKey.TxtValue));
        var wrong = await host.Verifier.VerifyAsync("tenant-a", domain, CancellationToken.None);
        Assert.Equal(DomainStatus.Pending, wrong!.Status);
        Assert.Contains("does not carry the key generated for it", wrong.Reason, StringComparison.Ordinal);

        await dns.SetZoneAsync(Published(domain, SendingDomainView.From(registered.Domain, host.Options)));
        var after = await host.Verifier.VerifyAsync("tenant-a", domain, CancellationToken.None);
        Assert.Equal(DomainStatus.Verified, after!.Status);
        Assert.Null(after.Reason);
        Assert.NotNull(after.VerifiedAt);
    }

    [Fact]
    public async Task Register_TrustedWithoutDns_AsLocalRunsDo_IsVerifiedAtOnce_AndSends()
    {
        await using var dns = await DnsServer.StartAsync();
        await using var host = await DomainsHost.StartAsync(azurite.Azurite, dns, trustWithoutDns: true);
        var domain = Unique("trusted");

        var registration = await host.Registrar.RegisterAsync("tenant-local", domain, CancellationToken.None);

        Assert.Equal(DomainStatus.Verified, registration.Domain!.Status);
        var stored = await new SmtpFunctions.Core.Domains.SendingDomainStore(host.Storage).GetAsync("tenant-local", domain, CancellationToken.None);
        Assert.Equal(DomainStatus.Verified, stored!.Status);
        var outcome = await host.SubmitAsync(DomainsHost.Json("tenant-local", $"app@{domain}"));
        Assert.True(outcome.IsAccepted, outcome.Error?.Detail);
    }

    [Fact]
    public async Task Submit_FromVerifiedDomain_IsSignedWithItsOwnRsaAndEd25519Keys_AndDkimpyVerifiesBoth()
    {
        await using var dns = await DnsServer.StartAsync();
        await using var host = await DomainsHost.StartAsync(azurite.Azurite, dns);
        var domain = Unique("signed");
        var view = await RegisterAndVerifyAsync(host, dns, "tenant-a", domain);

        var outcome = await host.SubmitAsync(DomainsHost.Json("tenant-a", $"news@{domain}"));

        Assert.True(outcome.IsAccepted, outcome.Error?.Detail);
        var (mime, dkim) = await host.StoredAsync(outcome.Receipt!.MessageId);
        var rsa = view.Records[0].Name.Split('.')[0];
        var ed25519 = view.Records[1].Name.Split('.')[0];
        Assert.Equal($"d={domain} s={rsa} a=rsa-sha256; d={domain} s={ed25519} a=ed25519-sha256", dkim);
        var report = await DkimPy.VerifyAsync(mime, view.Records.Where(r => r.Purpose == "dkim")
            .ToDictionary(r => r.Name, r => (IReadOnlyList<string>)r.Value.Chunk(255).Select(c => new string(c)).ToList()));
        Assert.True(report.AllVerified, report.ToString());
        Assert.Equal(["rsa-sha256", "ed25519-sha256"], report.Signatures.Select(s => s.A));
    }

    [Fact]
    public async Task Submit_FromOrEnvelopeSenderOutsideTheTenantsVerifiedDomains_IsRefusedNamingTheField()
    {
        await using var dns = await DnsServer.StartAsync();
        await using var host = await DomainsHost.StartAsync(azurite.Azurite, dns);
        var domain = Unique("mine");
        await RegisterAndVerifyAsync(host, dns, "tenant-a", domain);
        var pending = Unique("pending");
        await host.Registrar.RegisterAsync("tenant-a", pending, CancellationToken.None);

        var foreign = await host.SubmitAsync(DomainsHost.Json("tenant-a", "someone@elsewhere.example"));
        var unverified = await host.SubmitAsync(DomainsHost.Json("tenant-a", $"news@{pending}"));
        var envelope = await host.SubmitAsync(DomainsHost.Json("tenant-a", $"news@{domain}", envelopeSender: "bounces@elsewhere.example"));
        var defaultTenant = await host.SubmitAsync(DomainsHost.Json("default", $"news@{domain}"));

        AssertRefused(foreign, "from", "elsewhere.example");
        AssertRefused(unverified, "from", pending);
        AssertRefused(envelope, "sender", "elsewhere.example");
        AssertRefused(defaultTenant, "from", domain);
    }

    [Fact]
    public async Task TenantB_CannotVerifyOrSendFromTenantAsDomain_UntilTenantADeletesIt()
    {
        await using var dns = await DnsServer.StartAsync();
        await using var host = await DomainsHost.StartAsync(azurite.Azurite, dns);
        var domain = Unique("shared");
        await RegisterAndVerifyAsync(host, dns, "tenant-a", domain);

        var b = await host.Registrar.RegisterAsync("tenant-b", domain, CancellationToken.None);
        Assert.True(b.Created);
        // Even with B's own keys published, the domain is A's.
        var zone = Published(domain, SendingDomainView.From((await host.Verifier.VerifyAsync("tenant-a", domain, CancellationToken.None))!, host.Options));
        foreach (var record in SendingDomainView.From(b.Domain!, host.Options).Records.Where(r => r.Purpose == "dkim"))
        {
            zone.Txt(record.Name, record.Value);
        }

        await dns.SetZoneAsync(zone);
        var refused = await host.Verifier.VerifyAsync("tenant-b", domain, CancellationToken.None);
        Assert.Equal(DomainStatus.Pending, refused!.Status);
        Assert.Equal(DomainVerifier.ClaimedReason(domain), refused.Reason);
        AssertRefused(await host.SubmitAsync(DomainsHost.Json("tenant-b", $"news@{domain}")), "from", domain);

        Assert.True(await host.Registrar.DeleteAsync("tenant-a", domain, CancellationToken.None));
        var verified = await host.Verifier.VerifyAsync("tenant-b", domain, CancellationToken.None);
        Assert.Equal(DomainStatus.Verified, verified!.Status);
        Assert.True((await host.SubmitAsync(DomainsHost.Json("tenant-b", $"news@{domain}"))).IsAccepted);
        AssertRefused(await host.SubmitAsync(DomainsHost.Json("tenant-a", $"news@{domain}")), "from", domain);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Register_PrivateKeysAreInOwnerOnlySecretFiles_AndInNoTable()
    {
        await using var dns = await DnsServer.StartAsync();
        await using var host = await DomainsHost.StartAsync(azurite.Azurite, dns);
        var domain = Unique("secret");

        var entity = (await host.Registrar.RegisterAsync("tenant-a", domain, CancellationToken.None)).Domain!;

        var files = Directory.GetFiles(host.SecretDirectory);
        Assert.Equal(2, files.Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(host.SecretDirectory));
        var bodies = new List<string>();
        foreach (var file in files)
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            var pem = await File.ReadAllTextAsync(file);
            Assert.Contains("-----BEGIN PRIVATE KEY-----", pem, StringComparison.Ordinal);
            bodies.Add(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))).Trim());
        }

        Assert.Contains(Path.Combine(host.SecretDirectory, entity.RsaSecretName), files);
        Assert.Contains(Path.Combine(host.SecretDirectory, entity.Ed25519SecretName), files);
        var everything = new StringBuilder();
        await foreach (var table in host.Storage.Tables.QueryAsync())
        {
            await foreach (var row in host.Storage.Tables.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                foreach (var pair in row)
                {
                    everything.Append(pair.Value).Append('\n');
                }
            }
        }

        Assert.Contains(entity.RsaPublicKey, everything.ToString(), StringComparison.Ordinal);
        foreach (var body in bodies)
        {
            // Any 64-character line of the key would do; the first one past the algorithm identifier is unique.
            Assert.DoesNotContain(body[40..104], everything.ToString(), StringComparison.Ordinal);
        }

        Assert.True(await host.Registrar.DeleteAsync("tenant-a", domain, CancellationToken.None));
        Assert.Empty(Directory.GetFiles(host.SecretDirectory));
    }

    private static async Task<SendingDomainView> RegisterAndVerifyAsync(DomainsHost host, DnsServer dns, string tenant, string domain)
    {
        var registered = await host.Registrar.RegisterAsync(tenant, domain, CancellationToken.None);
        var view = SendingDomainView.From(registered.Domain!, host.Options);
        await dns.SetZoneAsync(Published(domain, view));
        var verified = await host.Verifier.VerifyAsync(tenant, domain, CancellationToken.None);
        Assert.Equal(DomainStatus.Verified, verified!.Status);
        return view;
    }

    private static DnsZone Published(string domain, SendingDomainView view)
    {
        var zone = new DnsZone(domain);
        foreach (var record in view.Records)
        {
            zone.Txt(record.Name, record.Value);
        }

        return zone;
    }

    private static void AssertRefused(SubmissionOutcome outcome, string field, string domain)
    {
        Assert.False(outcome.IsAccepted);
        Assert.Equal(SubmissionErrorKind.DomainNotVerified, outcome.Error!.Kind);
        Assert.Equal(field, outcome.Error.Field);
        Assert.Contains($"'{domain}'", outcome.Error.Detail, StringComparison.Ordinal);
    }

    private static string Unique(string label) => $"{label}-{Guid.NewGuid().ToString("N")[..8]}.test";
}
