using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using SmtpFunctions.Ingress.Development;
using SmtpFunctions.Ingress.Options;
using SmtpFunctions.Ingress.Tls;

namespace SmtpFunctions.Ingress.Tests.Tls;

public sealed class CertificateLoaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ingress-certs-").FullName;

    [Fact]
    public void Load_PfxFile_GivesCertificateWithKey()
    {
        var path = Write("cert.pfx", DevelopmentCertificate.Create("mail.example.com", DateTimeOffset.UtcNow));

        using var certificate = CertificateLoader.Load(new IngressOptions { CertificatePath = path });

        Assert.True(certificate.Certificate.HasPrivateKey);
        Assert.Contains("mail.example.com", certificate.Certificate.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Base64PfxText_AsKeyVaultMountsIt()
    {
        var pfx = DevelopmentCertificate.Create("mail.example.com", DateTimeOffset.UtcNow);
        var path = Write("smtp-certificate", System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(pfx) + "\n"));

        using var certificate = CertificateLoader.Load(new IngressOptions { CertificatePath = path });

        Assert.True(certificate.Certificate.HasPrivateKey);
    }

    [Fact]
    public void Load_PasswordProtectedPfx_NeedsThePassword()
    {
        using var original = X509CertificateLoader.LoadPkcs12(DevelopmentCertificate.Create("mail.example.com", DateTimeOffset.UtcNow), null, X509KeyStorageFlags.Exportable);
        var path = Write("protected.pfx", original.Export(X509ContentType.Pkcs12, "s3cret"));

        using var certificate = CertificateLoader.Load(new IngressOptions { CertificatePath = path, CertificatePassword = "s3cret" });
        var error = Assert.Throws<InvalidOperationException>(() => CertificateLoader.Load(new IngressOptions { CertificatePath = path, CertificatePassword = "wrong" }));

        Assert.True(certificate.Certificate.HasPrivateKey);
        Assert.Contains("CertificatePassword", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PemCertificateAndSeparateKey()
    {
        var (certificatePem, keyPem) = Pem();
        var certificatePath = Write("cert.pem", System.Text.Encoding.ASCII.GetBytes(certificatePem));
        var keyPath = Write("key.pem", System.Text.Encoding.ASCII.GetBytes(keyPem));

        using var certificate = CertificateLoader.Load(new IngressOptions { CertificatePath = certificatePath, CertificateKeyPath = keyPath });

        Assert.True(certificate.Certificate.HasPrivateKey);
    }

    [Fact]
    public void Load_PemWithKeyInTheSameFile()
    {
        var (certificatePem, keyPem) = Pem();
        var path = Write("combined.pem", System.Text.Encoding.ASCII.GetBytes(certificatePem + "\n" + keyPem));

        using var certificate = CertificateLoader.Load(new IngressOptions { CertificatePath = path });

        Assert.True(certificate.Certificate.HasPrivateKey);
    }

    [Fact]
    public void Load_Garbage_FailsSayingSo()
    {
        var path = Write("garbage", "not a certificate at all!"u8.ToArray());

        Assert.Throws<InvalidOperationException>(() => CertificateLoader.Load(new IngressOptions { CertificatePath = path }));
    }

    [Fact]
    public void DevelopmentCertificate_IsCreatedOnceThenReused()
    {
        var options = new IngressOptions { DevCertificate = true, DevCertificateFolder = _folder };
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);

        var (first, _, created) = DevelopmentCertificate.LoadOrCreate(options, "localhost", time);
        var (second, _, createdAgain) = DevelopmentCertificate.LoadOrCreate(options, "localhost", time);
        time.Advance(TimeSpan.FromDays(360));
        var (renewed, _, renewedCreated) = DevelopmentCertificate.LoadOrCreate(options, "localhost", time);

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal(first.Certificate.Thumbprint, second.Certificate.Thumbprint);
        Assert.True(renewedCreated);
        Assert.NotEqual(first.Certificate.Thumbprint, renewed.Certificate.Thumbprint);
        Assert.True(first.Certificate.MatchesHostname("localhost"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (string Certificate, string Key) Pem()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=mail.example.com", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(30));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, content);
        return path;
    }
}
