namespace SmtpFunctions.Core.Tenants;

/// <summary>Why a presented key was or was not accepted.</summary>
public enum ApiKeyVerdict
{
    /// <summary>The key is good.</summary>
    Accepted,

    /// <summary>No such key, or the secret does not match (the two look the same to the caller).</summary>
    Unknown,

    /// <summary>The key was revoked.</summary>
    Revoked,

    /// <summary>The key is past its expiry.</summary>
    Expired,
}
