using Azure;
using Azure.Data.Tables;

namespace SmtpFunctions.Core.Domains;

/// <summary>A tenant's sending domain: PartitionKey = tenant id, RowKey = domain (lower-case A-labels).</summary>
/// <remarks>Holds the public halves of its DKIM keys and the names of the secrets holding the private halves, never a private key.</remarks>
public sealed class SendingDomainEntity : ITableEntity
{
    /// <summary>Tenant id.</summary>
    public string PartitionKey { get; set; } = "";

    /// <summary>The domain.</summary>
    public string RowKey { get; set; } = "";

    /// <inheritdoc />
    public DateTimeOffset? Timestamp { get; set; }

    /// <inheritdoc />
    public ETag ETag { get; set; }

    /// <summary><see cref="DomainStatus.Pending"/> or <see cref="DomainStatus.Verified"/>.</summary>
    public string Status { get; set; } = DomainStatus.Pending;

    /// <summary>Why the last verification did not verify it; null once verified.</summary>
    public string? Reason { get; set; }

    /// <summary>When it was registered.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When its records were last looked up.</summary>
    public DateTimeOffset? CheckedAt { get; set; }

    /// <summary>When it became verified.</summary>
    public DateTimeOffset? VerifiedAt { get; set; }

    /// <summary>Selector of the rsa-sha256 key.</summary>
    public string RsaSelector { get; set; } = "";

    /// <summary>The rsa key's <c>p=</c> (base64 SubjectPublicKeyInfo).</summary>
    public string RsaPublicKey { get; set; } = "";

    /// <summary>Secret holding the rsa private key (PKCS#8 PEM).</summary>
    public string RsaSecretName { get; set; } = "";

    /// <summary>Selector of the ed25519-sha256 key.</summary>
    public string Ed25519Selector { get; set; } = "";

    /// <summary>The ed25519 key's <c>p=</c> (the raw 32-byte key, base64).</summary>
    public string Ed25519PublicKey { get; set; } = "";

    /// <summary>Secret holding the ed25519 private key (PKCS#8 PEM).</summary>
    public string Ed25519SecretName { get; set; } = "";

    /// <summary>The tenant.</summary>
    public string TenantId => PartitionKey;

    /// <summary>The domain.</summary>
    public string Domain => RowKey;

    /// <summary>True when its records were found as expected (and the claim is the tenant's).</summary>
    public bool IsVerified => Status == DomainStatus.Verified;
}
