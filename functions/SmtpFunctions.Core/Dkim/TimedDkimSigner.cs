using MimeKit.Cryptography;

namespace SmtpFunctions.Core.Dkim;

/// <summary>MimeKit's signer for one key, relaxed/relaxed, with <c>t=</c> taken from our clock rather than the wall clock.</summary>
/// <remarks>Relaxed header and body canonicalisation survive the refolding and whitespace changes of relays (RFC 6376 §3.4).</remarks>
internal sealed class TimedDkimSigner : DkimSigner
{
    private readonly TimeProvider _time;

    public TimedDkimSigner(DkimKey key, TimeProvider time)
        : base(key.PrivateKey.Parameters, key.Domain, key.Selector, key.Algorithm)
    {
        _time = time;
        Key = key;
        HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
        BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
    }

    public DkimKey Key { get; }

    protected override long GetTimestamp() => _time.GetUtcNow().ToUnixTimeSeconds();
}
