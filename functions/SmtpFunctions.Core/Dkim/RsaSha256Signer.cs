using System.Buffers;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;

namespace SmtpFunctions.Core.Dkim;

/// <summary>
/// The signing context MimeKit's <see cref="MimeKit.Cryptography.DkimSigner"/> feeds the canonicalised header block into,
/// backed by <see cref="RsaSigningKey"/> instead of BouncyCastle's RSA.
/// </summary>
internal sealed class RsaSha256Signer(RsaSigningKey key) : ISigner
{
    private readonly ArrayBufferWriter<byte> _data = new(1024);

    public string AlgorithmName => "SHA-256withRSA";

    public void Init(bool forSigning, ICipherParameters parameters)
    {
        if (!forSigning)
        {
            throw new NotSupportedException("This context only signs.");
        }
    }

    public void Update(byte input) => _data.Write([input]);

    public void BlockUpdate(byte[] input, int inOff, int inLen) => _data.Write(input.AsSpan(inOff, inLen));

    public void BlockUpdate(ReadOnlySpan<byte> input) => _data.Write(input);

    public int GetMaxSignatureSize() => 1024;

    public byte[] GenerateSignature()
    {
        var signature = key.SignHash(SHA256.HashData(_data.WrittenSpan));
        Reset();
        return signature;
    }

    public bool VerifySignature(byte[] signature) => throw new NotSupportedException("This context only signs.");

    public void Reset() => _data.Clear();
}
