using Azure;
using Azure.Data.Tables;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Core.Tenants;

/// <summary>Reads and writes the <c>apikeys</c> table; a lookup by key id is one point read.</summary>
public sealed class ApiKeyStore
{
    private readonly TableClient _table;

    /// <summary>Binds to the <c>apikeys</c> table.</summary>
    public ApiKeyStore(StorageAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        _table = account.Tables.GetTableClient(StorageNames.ApiKeysTable);
    }

    /// <summary>Adds a new key row (a key id is random: a clash is a 409 that surfaces).</summary>
    public Task AddAsync(ApiKeyEntity key, CancellationToken cancellationToken) => _table.AddEntityAsync(key, cancellationToken);

    /// <summary>The key's row, or null.</summary>
    public async Task<ApiKeyEntity?> GetAsync(string keyId, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<ApiKeyEntity>(keyId, ApiKeyEntity.Row, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>
    /// A tenant's keys. A filtered scan of the table: keys are few and listing them is an admin's rare act, so the hot
    /// path (the point read by key id) gets the partitioning instead.
    /// </summary>
    public async Task<IReadOnlyList<ApiKeyEntity>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        var keys = new List<ApiKeyEntity>();
        await foreach (var key in _table.QueryAsync<ApiKeyEntity>(TableClient.CreateQueryFilter($"TenantId eq {tenantId}"), cancellationToken: cancellationToken))
        {
            keys.Add(key);
        }

        return keys.OrderBy(k => k.CreatedAt).ToList();
    }

    /// <summary>Sets one field of a key's row (a merge: the other fields stay as they are, whoever changed them).</summary>
    public Task SetAsync(string keyId, string field, DateTimeOffset value, CancellationToken cancellationToken) =>
        _table.UpdateEntityAsync(new TableEntity(keyId, ApiKeyEntity.Row) { [field] = value }, ETag.All, TableUpdateMode.Merge, cancellationToken);
}
