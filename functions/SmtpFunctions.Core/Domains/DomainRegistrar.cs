using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit.Cryptography;
using SmtpFunctions.Core.Dkim;

namespace SmtpFunctions.Core.Domains;

/// <summary>
/// Registers a tenant's sending domain: generates its rsa-2048 and ed25519 DKIM keys, keeps the private keys in the
/// secret store and the public keys in the domain row, and answers the records to publish.
/// </summary>
/// <remarks>
/// Secrets are written before the row, so a row never names a key that does not exist; a registration that loses a race
/// for the same row deletes the secrets it wrote. Selectors carry the month (<c>sf202612r</c>, <c>sf202612e</c>), so a
/// later key rotation can publish new selectors beside the old ones (RFC 6376 §3.1).
/// </remarks>
public sealed partial class DomainRegistrar(
    SendingDomainStore store,
    ISecretStore secrets,
    TenantDomainCache cache,
    IOptions<DomainOptions> options,
    TimeProvider time,
    ILogger<DomainRegistrar> logger)
{
    /// <summary>Registers <paramref name="name"/> for <paramref name="tenantId"/>, or returns the row it already has.</summary>
    public async Task<DomainRegistration> RegisterAsync(string tenantId, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        if (DkimNames.NormalizeDomain(name) is not { } domain || !domain.Contains('.', StringComparison.Ordinal))
        {
            return new DomainRegistration(null, false, $"'{name}' is not a fully qualified domain name.");
        }

        if (await store.GetAsync(tenantId, domain, cancellationToken) is { } existing)
        {
            return new DomainRegistration(existing, false, null);
        }

        if ((await store.ListAsync(tenantId, cancellationToken)).Count >= options.Value.MaxDomainsPerTenant)
        {
            return new DomainRegistration(null, false, $"The tenant already has {options.Value.MaxDomainsPerTenant} domains, its limit.");
        }

        var now = time.GetUtcNow();
        var month = now.ToString("yyyyMM", System.Globalization.CultureInfo.InvariantCulture);
        var rsa = DkimKeyGenerator.Generate(domain, $"sf{month}r", DkimSignatureAlgorithm.RsaSha256);
        var ed25519 = DkimKeyGenerator.Generate(domain, $"sf{month}e", DkimSignatureAlgorithm.Ed25519Sha256);
        var entity = new SendingDomainEntity
        {
            PartitionKey = tenantId,
            RowKey = domain,
            Status = DomainStatus.Pending,
            CreatedAt = now,
            RsaSelector = rsa.Selector,
            RsaPublicKey = rsa.PublicKey,
            RsaSecretName = SecretNames.NewDkimKey(rsa.Selector),
            Ed25519Selector = ed25519.Selector,
            Ed25519PublicKey = ed25519.PublicKey,
            Ed25519SecretName = SecretNames.NewDkimKey(ed25519.Selector),
        };
        await Task.WhenAll(
            secrets.SetAsync(entity.RsaSecretName, rsa.PrivateKeyPem, cancellationToken),
            secrets.SetAsync(entity.Ed25519SecretName, ed25519.PrivateKeyPem, cancellationToken));
        if (!await store.TryAddAsync(entity, cancellationToken))
        {
            await DeleteSecretsAsync(entity, cancellationToken);
            return await store.GetAsync(tenantId, domain, cancellationToken) is { } winner
                ? new DomainRegistration(winner, false, null)
                : await RegisterAsync(tenantId, domain, cancellationToken);
        }

        LogRegistered(logger, domain, tenantId);
        if (options.Value.TrustRegistrationsWithoutDns)
        {
            await TrustAsync(entity, cancellationToken);
        }

        return new DomainRegistration(entity, true, null);
    }

    /// <summary>Deletes a tenant's domain, its claim and its keys; false when the tenant has no such domain.</summary>
    public async Task<bool> DeleteAsync(string tenantId, string name, CancellationToken cancellationToken)
    {
        if (DkimNames.NormalizeDomain(name) is not { } domain || await store.GetAsync(tenantId, domain, cancellationToken) is not { } entity)
        {
            return false;
        }

        // The row goes first: without it nothing signs with the keys or trusts the claim, so a failure later leaves only garbage.
        if (!await store.DeleteAsync(tenantId, domain, cancellationToken))
        {
            return false;
        }

        await store.ReleaseClaimAsync(tenantId, domain, cancellationToken);
        await DeleteSecretsAsync(entity, cancellationToken);
        cache.Forget(tenantId);
        LogDeleted(logger, domain, tenantId);
        return true;
    }

    // Local runs: the domain counts as verified at once, still subject to the one-tenant claim.
    private async Task TrustAsync(SendingDomainEntity entity, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        entity.CheckedAt = now;
        if (await store.TryClaimAsync(entity.TenantId, entity.Domain, cancellationToken))
        {
            entity.Status = DomainStatus.Verified;
            entity.VerifiedAt = now;
            entity.Reason = null;
        }
        else
        {
            entity.Reason = DomainVerifier.ClaimedReason(entity.Domain);
        }

        await store.UpdateAsync(entity, cancellationToken);
        entity.ETag = (await store.GetAsync(entity.TenantId, entity.Domain, cancellationToken))?.ETag ?? entity.ETag;
        cache.Forget(entity.TenantId);
    }

    private Task DeleteSecretsAsync(SendingDomainEntity entity, CancellationToken cancellationToken) => Task.WhenAll(
        secrets.DeleteAsync(entity.RsaSecretName, cancellationToken),
        secrets.DeleteAsync(entity.Ed25519SecretName, cancellationToken));

    [LoggerMessage(EventId = 9501, Level = LogLevel.Information, Message = "Sending domain {Domain} registered for tenant {TenantId}")]
    private static partial void LogRegistered(ILogger logger, string domain, string tenantId);

    [LoggerMessage(EventId = 9502, Level = LogLevel.Information, Message = "Sending domain {Domain} of tenant {TenantId} deleted with its keys")]
    private static partial void LogDeleted(ILogger logger, string domain, string tenantId);
}
