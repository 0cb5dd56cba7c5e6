using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmtpFunctions.Ingress.Options;
using SmtpFunctions.Ingress.Tls;

namespace SmtpFunctions.Ingress.Development;

/// <summary>
/// The self-signed certificate of a local run: generated on first start into the development folder and reused until a
/// week before it expires, so that a client told to trust it once keeps trusting it.
/// </summary>
public static class DevelopmentCertificate
{
    /// <summary>File name inside the development folder.</summary>
    public const string FileName = "ingress-dev-certificate.pfx";

    /// <summary>Loads the stored certificate or makes a new one; the flag says which.</summary>
    public static (TlsCertificate Certificate, string Path, bool Created) LoadOrCreate(IngressOptions options, string serverName, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var path = System.IO.Path.Combine(DevelopmentFolder.Resolve(options), FileName);
        if (File.Exists(path))
        {
            try
            {
                var stored = CertificateLoader.FromPkcs12(File.ReadAllBytes(path), null);
                if (stored is not null && stored.Certificate.NotAfter.ToUniversalTime() > time.GetUtcNow().UtcDateTime.AddDays(7)
                    && HasName(stored.Certificate, serverName))
                {
                    return (stored, path, false);
                }

                stored?.Dispose();
            }
            catch (Exception ex) when (ex is CryptographicException or InvalidOperationException)
            {
                // Unreadable or foreign file: replaced below.
            }
        }

        var pfx = Create(serverName, time.GetUtcNow());
        DevelopmentFolder.WritePrivateFile(path, pfx);
        return (CertificateLoader.FromPkcs12(pfx, null)!, path, true);
    }

    /// <summary>A self-signed RSA 2048 certificate for the server name, <c>localhost</c>, 127.0.0.1 and ::1, as PFX octets.</summary>
    public static byte[] Create(string serverName, DateTimeOffset now)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={serverName}, O=SmtpFunctions development", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(serverName);
        if (!string.Equals(serverName, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            names.AddDnsName("localhost");
        }

        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
        return certificate.Export(X509ContentType.Pkcs12);
    }

    private static bool HasName(X509Certificate2 certificate, string serverName) =>
        certificate.MatchesHostname(serverName, allowWildcards: false, allowCommonName: false);
}
