using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmtpFunctions.Testing.Tls;

namespace SmtpFunctions.Testing.Tests.Tls;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TestCertificateTests
{
    [Fact]
    public void Create_WritesMatchingPemAndPfxFiles()
    {
        var folder = Path.Combine(Path.GetTempPath(), "smtpfunctions-peers-tests-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var created = TestCertificate.Create(folder, "mx.tls.test", ["mx2.tls.test"], [IPAddress.Parse("127.20.0.1")]);

            using var fromPem = X509Certificate2.CreateFromPemFile(created.CertificatePemPath, created.KeyPemPath);
            Assert.Equal(created.Certificate.Thumbprint, fromPem.Thumbprint);
            Assert.True(fromPem.HasPrivateKey);
            using var fromPfx = X509CertificateLoader.LoadPkcs12FromFile(created.PfxPath, created.PfxPassword);
            Assert.Equal(created.Certificate.Thumbprint, fromPfx.Thumbprint);
            Assert.True(fromPfx.HasPrivateKey);

            Assert.Equal("CN=mx.tls.test", created.Certificate.Subject);
            Assert.True(created.Certificate.MatchesHostname("mx2.tls.test"));
            Assert.True(created.Certificate.MatchesHostname("127.20.0.1"));
            Assert.Equal(2048, created.Certificate.GetRSAPublicKey()!.KeySize);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(created.KeyPemPath));
            Assert.Equal(64, created.Sha256Thumbprint.Length);

            var data = "signed"u8.ToArray();
            var signature = fromPem.GetRSAPrivateKey()!.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            Assert.True(created.Certificate.GetRSAPublicKey()!.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
