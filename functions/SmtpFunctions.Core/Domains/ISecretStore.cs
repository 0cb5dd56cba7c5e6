namespace SmtpFunctions.Core.Domains;

/// <summary>Where DKIM private keys of registered domains are kept: Key Vault in Azure, a protected directory locally.</summary>
public interface ISecretStore
{
    /// <summary>The secret's value, or null when there is none.</summary>
    Task<string?> GetAsync(string name, CancellationToken cancellationToken);

    /// <summary>Creates or replaces a secret.</summary>
    Task SetAsync(string name, string value, CancellationToken cancellationToken);

    /// <summary>Removes a secret (nothing when there is none).</summary>
    Task DeleteAsync(string name, CancellationToken cancellationToken);
}
