namespace SmtpFunctions.Core.Options;

/// <summary>One DKIM signing key: the <c>d=</c> domain, the <c>s=</c> selector and the private key (never in source).</summary>
/// <remarks>The public half is published at <c>{Selector}._domainkey.{Domain}</c> (RFC 6376 §3.6.2.1).</remarks>
public sealed class DkimKeyOptions
{
    /// <summary>Signing domain (<c>d=</c>); mail whose From domain is this domain is signed. Required.</summary>
    public string Domain { get; set; } = "";

    /// <summary>Selector (<c>s=</c>), such as <c>sel1</c> or <c>2025-01.rsa</c>. Required.</summary>
    public string Selector { get; set; } = "";

    /// <summary>
    /// <c>rsa-sha256</c> (or <c>rsa</c>) or <c>ed25519-sha256</c> (or <c>ed25519</c>, RFC 8463). Empty (the default): taken
    /// from the key; when given it must match the key.
    /// </summary>
    public string Algorithm { get; set; } = "";

    /// <summary>
    /// The private key as text: PEM (PKCS#8 <c>PRIVATE KEY</c>, or PKCS#1 <c>RSA PRIVATE KEY</c>), or the same DER as bare
    /// base64, or a bare base64 32-byte Ed25519 seed. Line breaks may be written as <c>\n</c>. Set this or
    /// <see cref="PrivateKeyPath"/>, not both.
    /// </summary>
    public string PrivateKey { get; set; } = "";

    /// <summary>A file holding the private key in one of the forms <see cref="PrivateKey"/> takes.</summary>
    public string PrivateKeyPath { get; set; } = "";

    /// <summary>
    /// Also sign mail from subdomains of <see cref="Domain"/> (with <c>d=</c> still <see cref="Domain"/>, which DMARC's relaxed
    /// alignment accepts, RFC 7489 §3.1.1). A key of the subdomain itself wins. Default false.
    /// </summary>
    public bool IncludeSubdomains { get; set; }
}
