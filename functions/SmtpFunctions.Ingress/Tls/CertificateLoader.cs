using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmtpFunctions.Ingress.Options;

namespace SmtpFunctions.Ingress.Tls;

/// <summary>
/// Loads the TLS certificate named by <see cref="IngressOptions.CertificatePath"/>: a PFX file, a file holding a PFX as
/// Base64 text (a Key Vault certificate's secret value, as Container Apps mounts it), or PEM (key in the same file or in
/// <see cref="IngressOptions.CertificateKeyPath"/>, optionally encrypted with <see cref="IngressOptions.CertificatePassword"/>).
/// </summary>
public static class CertificateLoader
{
    /// <summary>Loads the configured certificate, or throws saying why it cannot be used.</summary>
    public static TlsCertificate Load(IngressOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = options.CertificatePath;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"TLS certificate file {path} does not exist.");
        }

        var password = string.IsNullOrEmpty(options.CertificatePassword) ? null : options.CertificatePassword;
        try
        {
            var bytes = File.ReadAllBytes(path);
            if (!string.IsNullOrWhiteSpace(options.CertificateKeyPath) || LooksLikePem(bytes))
            {
                return FromPem(path, string.IsNullOrWhiteSpace(options.CertificateKeyPath) ? null : options.CertificateKeyPath, password);
            }

            return FromPkcs12(bytes, password) ?? FromPkcs12(Base64Text(bytes, path), password)
                ?? throw new InvalidOperationException($"TLS certificate file {path} holds neither a PFX nor Base64 PFX text.");
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException($"TLS certificate file {path} cannot be read: {ex.Message} (wrong CertificatePassword?)", ex);
        }
    }

    /// <summary>Makes a handshake-ready certificate from PKCS#12 octets: the entry with the private key and the rest as chain.</summary>
    public static TlsCertificate? FromPkcs12(byte[]? pfx, string? password)
    {
        if (pfx is null)
        {
            return null;
        }

        X509Certificate2Collection all;
        try
        {
            all = X509CertificateLoader.LoadPkcs12Collection(pfx, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException) when (!LooksLikeDer(pfx))
        {
            return null;
        }

        var leaf = all.FirstOrDefault(c => c.HasPrivateKey)
            ?? throw new InvalidOperationException("The PFX holds no certificate with a private key.");
        var chain = new X509Certificate2Collection(all.Where(c => !ReferenceEquals(c, leaf)).ToArray());
        return new TlsCertificate(leaf, chain);
    }

    private static TlsCertificate FromPem(string certificatePath, string? keyPath, string? password)
    {
        using var pem = password is null
            ? X509Certificate2.CreateFromPemFile(certificatePath, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(certificatePath, password, keyPath);

        // A PEM key is an ephemeral key; round-tripping through PKCS#12 gives one every platform's TLS stack can use.
        var leaf = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.EphemeralKeySet);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(certificatePath);
        var intermediates = new X509Certificate2Collection(chain.Where(c => c.Thumbprint != leaf.Thumbprint).ToArray());
        return new TlsCertificate(leaf, intermediates);
    }

    private static bool LooksLikePem(byte[] bytes) => Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 4096)).Contains("-----BEGIN", StringComparison.Ordinal);

    // PKCS#12 is DER: a SEQUENCE tag first. Anything else may be Base64 text of one.
    private static bool LooksLikeDer(byte[] bytes) => bytes.Length > 0 && bytes[0] == 0x30;

    private static byte[]? Base64Text(byte[] bytes, string path)
    {
        var text = Encoding.ASCII.GetString(bytes).Trim();
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written)
            ? buffer[..written]
            : throw new InvalidOperationException($"TLS certificate file {path} is neither a PFX, Base64 PFX text, nor PEM.");
    }
}
