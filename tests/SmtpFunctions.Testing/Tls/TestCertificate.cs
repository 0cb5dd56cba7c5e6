using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmtpFunctions.Testing.Tls;

/// <summary>
/// A self-signed RSA certificate for test peers (Postfix, Dovecot) written as PEM certificate, PEM key (PKCS#8) and PFX,
/// the formats OpenSSL-based daemons and .NET read.
/// </summary>
/// <remarks>
/// Peers only: the ingress has its own development-certificate logic. The certificate is a server certificate
/// (serverAuth EKU) with the given names as subject alternative names, valid from yesterday for
/// <see cref="DefaultValidity"/>. It is not trusted by anyone, which is what opportunistic-TLS tests need.
/// </remarks>
public sealed class TestCertificate : IDisposable
{
    /// <summary>How long a generated certificate stays valid.</summary>
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(30);

    private TestCertificate(X509Certificate2 certificate, string certificatePemPath, string keyPemPath, string pfxPath, string pfxPassword)
    {
        Certificate = certificate;
        CertificatePemPath = certificatePemPath;
        KeyPemPath = keyPemPath;
        PfxPath = pfxPath;
        PfxPassword = pfxPassword;
    }

    /// <summary>The certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>PEM file with the certificate (<c>-----BEGIN CERTIFICATE-----</c>).</summary>
    public string CertificatePemPath { get; }

    /// <summary>PEM file with the unencrypted PKCS#8 private key, mode 0600.</summary>
    public string KeyPemPath { get; }

    /// <summary>PKCS#12 file with certificate and key, protected by <see cref="PfxPassword"/>.</summary>
    public string PfxPath { get; }

    /// <summary>The PFX password.</summary>
    public string PfxPassword { get; }

    /// <summary>SHA-256 thumbprint, hex, as clients record it.</summary>
    public string Sha256Thumbprint => Certificate.GetCertHashString(HashAlgorithmName.SHA256);

    /// <summary>
    /// Creates a certificate for <paramref name="hostName"/> (also the first DNS subject alternative name) plus any
    /// other names and addresses, and writes <c>{fileStem}.crt.pem</c>, <c>{fileStem}.key.pem</c> and
    /// <c>{fileStem}.pfx</c> into <paramref name="directory"/>.
    /// </summary>
    public static TestCertificate Create(string directory, string hostName, IEnumerable<string>? otherDnsNames = null, IEnumerable<IPAddress>? ipAddresses = null, string fileStem = "peer")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostName);
        Directory.CreateDirectory(directory);

        using var key = RSA.Create(2048);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={hostName}"), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in new[] { hostName }.Concat(otherDnsNames ?? []).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            names.AddDnsName(name);
        }

        foreach (var address in ipAddresses ?? [])
        {
            names.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));

        var now = DateTimeOffset.UtcNow;
        using var generated = request.CreateSelfSigned(now.AddDays(-1), now.Add(DefaultValidity));

        var certificatePath = Path.Combine(directory, fileStem + ".crt.pem");
        var keyPath = Path.Combine(directory, fileStem + ".key.pem");
        var pfxPath = Path.Combine(directory, fileStem + ".pfx");
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));

        File.WriteAllText(certificatePath, generated.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        var pfx = generated.Export(X509ContentType.Pkcs12, password);
        File.WriteAllBytes(pfxPath, pfx);

        var loaded = X509CertificateLoader.LoadPkcs12(pfx, password, X509KeyStorageFlags.Exportable);
        return new TestCertificate(loaded, certificatePath, keyPath, pfxPath, password);
    }

    /// <inheritdoc />
    public void Dispose() => Certificate.Dispose();
}
