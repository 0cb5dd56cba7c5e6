using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SmtpFunctions.Ingress.Tls;

/// <summary>The server certificate with its chain, ready for TLS handshakes.</summary>
public sealed class TlsCertificate : IDisposable
{
    /// <summary>Builds the handshake context from a certificate with private key and its intermediates.</summary>
    public TlsCertificate(X509Certificate2 certificate, X509Certificate2Collection intermediates)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
        {
            throw new InvalidOperationException($"The TLS certificate {certificate.Subject} has no private key.");
        }

        Certificate = certificate;
        Intermediates = intermediates;
        Context = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
    }

    /// <summary>The leaf certificate.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Intermediate certificates sent along with it.</summary>
    public X509Certificate2Collection Intermediates { get; }

    /// <summary>What <see cref="SslStream"/> serves.</summary>
    public SslStreamCertificateContext Context { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var intermediate in Intermediates)
        {
            intermediate.Dispose();
        }
    }
}
