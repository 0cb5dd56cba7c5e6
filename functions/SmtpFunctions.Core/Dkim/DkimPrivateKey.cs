using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace SmtpFunctions.Core.Dkim;

/// <summary>A private key read from configuration, with the DKIM algorithm its type implies and its size in bits.</summary>
/// <param name="Parameters">The BouncyCastle key MimeKit's <see cref="DkimSigner"/> signs with.</param>
/// <param name="Algorithm"><c>rsa-sha256</c> for RSA keys, <c>ed25519-sha256</c> for Ed25519 keys.</param>
/// <param name="Bits">Modulus size for RSA, 256 for Ed25519.</param>
public sealed record DkimPrivateKey(AsymmetricKeyParameter Parameters, DkimSignatureAlgorithm Algorithm, int Bits);
