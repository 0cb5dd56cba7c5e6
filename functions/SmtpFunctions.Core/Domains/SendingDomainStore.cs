using Azure;
using Azure.Data.Tables;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Core.Domains;

/// <summary>The <c>domains</c> table: tenants' sending domains and the claims that keep a verified domain to one tenant.</summary>
public sealed class SendingDomainStore(StorageAccount account)
{
    private readonly TableClient _table = account.Tables.GetTableClient(StorageNames.DomainsTable);

    /// <summary>One tenant's domain, or null.</summary>
    public async Task<SendingDomainEntity?> GetAsync(string tenantId, string domain, CancellationToken cancellationToken)
    {
        var found = await _table.GetEntityIfExistsAsync<SendingDomainEntity>(tenantId, domain, cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }

    /// <summary>Every domain of a tenant, by name.</summary>
    public async Task<IReadOnlyList<SendingDomainEntity>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        var list = new List<SendingDomainEntity>();
        await foreach (var entity in _table.QueryAsync<SendingDomainEntity>(e => e.PartitionKey == tenantId, cancellationToken: cancellationToken))
        {
            list.Add(entity);
        }

        return list;
    }

    /// <summary>Adds a new domain row; false when the tenant already has it.</summary>
    public async Task<bool> TryAddAsync(SendingDomainEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _table.AddEntityAsync(entity, cancellationToken);
            // The SDK leaves the entity's ETag empty; a later conditional update needs the one the add created.
            entity.ETag = response.Headers.ETag ?? ETag.All;
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Writes a changed row if nobody changed it since it was read.</summary>
    public Task UpdateAsync(SendingDomainEntity entity, CancellationToken cancellationToken) =>
        _table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);

    /// <summary>Removes a tenant's domain row; false when there was none.</summary>
    public async Task<bool> DeleteAsync(string tenantId, string domain, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(tenantId, domain, ETag.All, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <summary>
    /// Claims <paramref name="domain"/> for <paramref name="tenantId"/>: true when the tenant holds it now (newly or
    /// already), false when another tenant does. The insert cannot overwrite, so two tenants racing get one winner.
    /// </summary>
    public async Task<bool> TryClaimAsync(string tenantId, string domain, CancellationToken cancellationToken)
    {
        try
        {
            await _table.AddEntityAsync(new DomainClaimEntity { RowKey = domain, TenantId = tenantId }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return await ClaimantAsync(domain, cancellationToken) is not { } holder || holder == tenantId;
        }
    }

    /// <summary>The tenant holding <paramref name="domain"/>, or null.</summary>
    public async Task<string?> ClaimantAsync(string domain, CancellationToken cancellationToken)
    {
        var found = await _table.GetEntityIfExistsAsync<DomainClaimEntity>(TenantIds.System, domain, cancellationToken: cancellationToken);
        return found.HasValue ? found.Value!.TenantId : null;
    }

    /// <summary>Gives up the tenant's claim on <paramref name="domain"/> (nothing when another tenant holds it).</summary>
    public async Task ReleaseClaimAsync(string tenantId, string domain, CancellationToken cancellationToken)
    {
        var found = await _table.GetEntityIfExistsAsync<DomainClaimEntity>(TenantIds.System, domain, cancellationToken: cancellationToken);
        if (found.HasValue && found.Value!.TenantId == tenantId)
        {
            try
            {
                await _table.DeleteEntityAsync(TenantIds.System, domain, found.Value.ETag, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                // Already released (or re-claimed after it was): nothing of ours is left to remove.
            }
        }
    }
}
