using Azure;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Options;

namespace SmtpFunctions.Core.Domains;

/// <summary>DKIM private keys as Key Vault secrets, reached with the app's managed identity.</summary>
/// <remarks>
/// The identity needs get and set on secrets (Key Vault Secrets Officer on the vault, which infra grants the function app
/// and the ingress). Deleting a secret leaves it soft-deleted for the vault's retention period, as Key Vault does.
/// </remarks>
public sealed class KeyVaultSecretStore : ISecretStore
{
    private readonly SecretClient _client;

    /// <summary>Creates the client from <see cref="DomainOptions.KeyVaultUri"/>.</summary>
    public KeyVaultSecretStore(IOptions<DomainOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = settings.ManagedIdentityClientId.Length > 0 ? settings.ManagedIdentityClientId : null,
        });
        _client = new SecretClient(new Uri(settings.KeyVaultUri), credential);
    }

    /// <inheritdoc />
    public async Task<string?> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var secret = await _client.GetSecretAsync(name, cancellationToken: cancellationToken);
            return secret.Value.Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public Task SetAsync(string name, string value, CancellationToken cancellationToken) =>
        _client.SetSecretAsync(new KeyVaultSecret(name, value) { Properties = { ContentType = "application/pkcs8" } }, cancellationToken);

    /// <inheritdoc />
    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await _client.StartDeleteSecretAsync(name, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Nothing to delete.
        }
    }
}
