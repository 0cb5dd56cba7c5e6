using MimeKit.Cryptography;
using SmtpFunctions.Core.Dkim;

namespace SmtpFunctions.Core.Tests.Dkim;

/// <summary>Key pairs generated once per test run (RSA generation takes a moment); immutable once made.</summary>
internal static class TestKeys
{
    private static readonly Lazy<DkimKeyPair> LazyRsa = new(() => DkimKeyGenerator.Generate("example.com", "rsa1", DkimSignatureAlgorithm.RsaSha256));
    private static readonly Lazy<DkimKeyPair> LazyEd25519 = new(() => DkimKeyGenerator.Generate("example.com", "ed1", DkimSignatureAlgorithm.Ed25519Sha256));

    public static DkimKeyPair Rsa => LazyRsa.Value;

    public static DkimKeyPair Ed25519 => LazyEd25519.Value;
}
