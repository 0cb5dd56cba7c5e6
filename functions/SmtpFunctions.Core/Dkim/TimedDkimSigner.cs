using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;

namespace SmtpFunctions.Core.Dkim;

/// <summary>MimeKit's signer for one key, relaxed/relaxed, with <c>t=</c> taken from our clock rather than the wall clock.</summary>
/// <remarks>
/// Relaxed header and body canonicalisation survive the refolding and whitespace changes of relays (RFC 6376 §3.4). RSA
/// signatures are made by the platform's crypto (<see cref="RsaSigningKey"/>); Ed25519 by MimeKit's BouncyCastle context.
/// </remarks>
internal sealed class TimedDkimSigner : DkimSigner, IDisposable
{
    private readonly TimeProvider _time;
    private readonly RsaSigningKey? _rsa;

    public TimedDkimSigner(DkimKey key, TimeProvider time)
        : base(key.PrivateKey.Parameters, key.Domain, key.Selector, key.Algorithm)
    {
        _time = time;
        Key = key;
        HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
        BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
        if (key.PrivateKey.Parameters is RsaPrivateCrtKeyParameters rsa)
        {
            _rsa = new RsaSigningKey(rsa);
        }
    }

    public DkimKey Key { get; }

    public void Dispose() => _rsa?.Dispose();

    protected override long GetTimestamp() => _time.GetUtcNow().ToUnixTimeSeconds();

    protected override ISigner CreateSigningContext() => _rsa is null ? base.CreateSigningContext() : new RsaSha256Signer(_rsa);
}
