namespace SmtpFunctions.Core.Options;

/// <summary>DKIM signing at submission: the keys, one or more per domain.</summary>
/// <remarks>
/// Bound from section <c>Dkim</c>: <c>Dkim:Keys:0:Domain</c>, <c>Dkim:Keys:0:Selector</c>, <c>Dkim:Keys:0:PrivateKey</c> (in
/// Azure a Key Vault reference) or <c>Dkim:Keys:0:PrivateKeyPath</c>. No keys (the default): every message is sent unsigned.
/// Checked at start by <see cref="Dkim.DkimOptionsValidator"/>, which loads every key.
/// </remarks>
public sealed class DkimOptions
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Dkim";

    /// <summary>
    /// Signing keys. A message is signed with every key whose domain is its From domain (two keys of one domain, one
    /// rsa-sha256 and one ed25519-sha256, dual-sign it as RFC 8463 §4 suggests). Default: none.
    /// </summary>
    public IList<DkimKeyOptions> Keys { get; } = [];
}
