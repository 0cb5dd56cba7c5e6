using MimeKit.Cryptography;

namespace SmtpFunctions.Core.Dkim;

/// <summary>A loaded signing key: who it signs for (<c>d=</c>, <c>s=</c>) and the private key.</summary>
/// <param name="Domain">Signing domain, lower-case A-labels.</param>
/// <param name="Selector">Selector.</param>
/// <param name="IncludeSubdomains">Also signs mail from subdomains of <paramref name="Domain"/>.</param>
/// <param name="PrivateKey">The key and its algorithm.</param>
public sealed record DkimKey(string Domain, string Selector, bool IncludeSubdomains, DkimPrivateKey PrivateKey)
{
    /// <summary>The signature algorithm.</summary>
    public DkimSignatureAlgorithm Algorithm => PrivateKey.Algorithm;

    /// <summary>How the status API shows a signature made with this key: <c>d=example.com s=sel1 a=rsa-sha256</c>.</summary>
    public string Description => $"d={Domain} s={Selector} a={DkimAlgorithms.Tag(Algorithm)}";
}
