using MimeKit.Cryptography;
using SmtpFunctions.Core.Dkim;

namespace SmtpFunctions.Dkim.IntegrationTests.Dkim;

/// <summary>Key pairs made once per run by our generator; dkimpy gets only their published TXT records.</summary>
internal static class TestKeys
{
    private static readonly Lazy<DkimKeyPair> LazyRsa = new(() => DkimKeyGenerator.Generate("example.com", "rsa2025", DkimSignatureAlgorithm.RsaSha256));
    private static readonly Lazy<DkimKeyPair> LazyEd25519 = new(() => DkimKeyGenerator.Generate("example.com", "ed2025", DkimSignatureAlgorithm.Ed25519Sha256));
    private static readonly Lazy<DkimKeyPair> LazyOtherRsa = new(() => DkimKeyGenerator.Generate("example.com", "rsa2025", DkimSignatureAlgorithm.RsaSha256));

    public static DkimKeyPair Rsa => LazyRsa.Value;

    public static DkimKeyPair Ed25519 => LazyEd25519.Value;

    /// <summary>Same name as <see cref="Rsa"/>, different key: what a stale or wrong DNS record looks like.</summary>
    public static DkimKeyPair OtherRsa => LazyOtherRsa.Value;
}
