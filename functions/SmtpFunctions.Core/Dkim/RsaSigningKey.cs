using System.Collections.Concurrent;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;

namespace SmtpFunctions.Core.Dkim;

/// <summary>An RSA private key held by the platform's crypto (OpenSSL), signing SHA-256 hashes with PKCS#1 v1.5.</summary>
/// <remarks>
/// BouncyCastle's managed RSA took about 4 ms per signature here against 0.3–0.8 ms for OpenSSL. Importing a key costs about
/// as much again, so instances are kept; each signature borrows one, so concurrent submissions never share an instance.
/// </remarks>
internal sealed class RsaSigningKey(RsaPrivateCrtKeyParameters key) : IDisposable
{
    private readonly RSAParameters _parameters = new()
    {
        Modulus = key.Modulus.ToByteArrayUnsigned(),
        Exponent = key.PublicExponent.ToByteArrayUnsigned(),
        D = Pad(key.Exponent.ToByteArrayUnsigned(), key.Modulus.BitLength),
        P = Pad(key.P.ToByteArrayUnsigned(), key.Modulus.BitLength / 2),
        Q = Pad(key.Q.ToByteArrayUnsigned(), key.Modulus.BitLength / 2),
        DP = Pad(key.DP.ToByteArrayUnsigned(), key.Modulus.BitLength / 2),
        DQ = Pad(key.DQ.ToByteArrayUnsigned(), key.Modulus.BitLength / 2),
        InverseQ = Pad(key.QInv.ToByteArrayUnsigned(), key.Modulus.BitLength / 2),
    };

    private readonly ConcurrentBag<RSA> _idle = [];

    /// <summary>Signs a SHA-256 hash (RFC 8017 §8.2, as RFC 6376 §3.3.1 requires).</summary>
    public byte[] SignHash(byte[] sha256)
    {
        if (!_idle.TryTake(out var rsa))
        {
            rsa = RSA.Create();
            rsa.ImportParameters(_parameters);
        }

        try
        {
            return rsa.SignHash(sha256, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        finally
        {
            _idle.Add(rsa);
        }
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var rsa))
        {
            rsa.Dispose();
        }
    }

    // .NET wants D as long as the modulus and the CRT values half as long, left-padded with zeros.
    internal static byte[] Pad(byte[] value, int bits)
    {
        var length = (bits + 7) / 8;
        if (value.Length >= length)
        {
            return value;
        }

        var padded = new byte[length];
        value.CopyTo(padded, length - value.Length);
        return padded;
    }
}
