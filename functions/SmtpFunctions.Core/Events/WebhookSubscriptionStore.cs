using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Core.Events;

/// <summary>
/// Webhook subscriptions (table <c>webhooks</c>, partition = tenant) and the events they never took (table
/// <c>webhookfailures</c>, partition = subscription), with a per-instance cache of each tenant's subscriptions.
/// </summary>
public sealed class WebhookSubscriptionStore
{
    private readonly TableClient _subscriptions;
    private readonly TableClient _failures;
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;
    private readonly EventDemand _demand;
    private readonly ConcurrentDictionary<string, (DateTimeOffset Until, IReadOnlyList<WebhookSubscriptionEntity> Rows)> _cache = new(StringComparer.Ordinal);

    /// <summary>Binds to the tables.</summary>
    public WebhookSubscriptionStore(StorageAccount account, EventDemand demand, TimeProvider time, IOptions<EventsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(demand);
        _demand = demand;
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(options);
        _subscriptions = account.Tables.GetTableClient(StorageNames.WebhooksTable);
        _failures = account.Tables.GetTableClient(StorageNames.WebhookFailuresTable);
        _time = time;
        _ttl = options.Value.SubscriptionCacheTtl;
    }

    /// <summary>Adds a subscription.</summary>
    public async Task AddAsync(WebhookSubscriptionEntity subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        // Raised before the write: a state change right after the answer already writes its events.
        await _demand.RaiseAsync(cancellationToken);
        await _subscriptions.AddEntityAsync(subscription, cancellationToken);
        _cache.TryRemove(subscription.PartitionKey, out _);
    }

    /// <summary>A tenant's subscriptions, read from the table.</summary>
    public async Task<List<WebhookSubscriptionEntity>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        var rows = new List<WebhookSubscriptionEntity>();
        await foreach (var row in _subscriptions.QueryAsync<WebhookSubscriptionEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {tenantId}"), cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>A tenant's subscriptions, from the cache when it is fresh (what the dispatcher uses).</summary>
    public async Task<IReadOnlyList<WebhookSubscriptionEntity>> ForTenantAsync(string tenantId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(tenantId, out var cached) && cached.Until > now)
        {
            return cached.Rows;
        }

        var rows = await ListAsync(tenantId, cancellationToken);
        _cache[tenantId] = (now + _ttl, rows);
        return rows;
    }

    /// <summary>One subscription, or null.</summary>
    public async Task<WebhookSubscriptionEntity?> GetAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        var response = await _subscriptions.GetEntityIfExistsAsync<WebhookSubscriptionEntity>(tenantId, id, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Deletes a subscription and the events kept for its replay; false when there was none.</summary>
    public async Task<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        _cache.TryRemove(tenantId, out _);
        try
        {
            await _subscriptions.DeleteEntityAsync(tenantId, id, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }

        await foreach (var failure in _failures.QueryAsync<WebhookFailureEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {id}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await _failures.DeleteEntityAsync(failure.PartitionKey, failure.RowKey, ETag.All, cancellationToken);
        }

        return true;
    }

    /// <summary>
    /// Records a failed try: the failure count goes up, <c>FailingSince</c> is set on the first, and the subscription is
    /// disabled once it has failed for <paramref name="disableAfter"/> without a success. True when this disabled it.
    /// </summary>
    public async Task<bool> RecordFailureAsync(string tenantId, string id, string error, TimeSpan disableAfter, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var row = await GetAsync(tenantId, id, cancellationToken);
            if (row is null)
            {
                return false;
            }

            row.ConsecutiveFailures++;
            row.FailingSince ??= now;
            row.LastError = error.Length > 500 ? error[..500] : error;
            row.LastFailureAt = now;
            var disables = row.Enabled && now - row.FailingSince.Value >= disableAfter;
            if (disables)
            {
                row.Enabled = false;
                row.DisabledAt = now;
            }

            try
            {
                await _subscriptions.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
                _cache.TryRemove(tenantId, out _);
                return disables;
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                // Another try of the same subscription updated it meanwhile: count this one on the fresh row.
            }
        }

        return false;
    }

    /// <summary>Records a success: clears the failure state if there was one (no write while healthy).</summary>
    public async Task RecordSuccessAsync(WebhookSubscriptionEntity cached, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cached);
        if (cached.FailingSince is null && cached.ConsecutiveFailures == 0)
        {
            return;
        }

        var entity = new TableEntity(cached.PartitionKey, cached.RowKey)
        {
            [nameof(WebhookSubscriptionEntity.FailingSince)] = null,
            [nameof(WebhookSubscriptionEntity.ConsecutiveFailures)] = 0,
            [nameof(WebhookSubscriptionEntity.LastSuccessAt)] = _time.GetUtcNow(),
        };
        try
        {
            await _subscriptions.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Deleted meanwhile.
        }

        cached.FailingSince = null;
        cached.ConsecutiveFailures = 0;
        _cache.TryRemove(cached.PartitionKey, out _);
    }

    /// <summary>Enables a subscription again and clears its failure state (a replay does this).</summary>
    public async Task EnableAsync(WebhookSubscriptionEntity subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        subscription.Enabled = true;
        subscription.DisabledAt = null;
        subscription.FailingSince = null;
        subscription.ConsecutiveFailures = 0;
        await _subscriptions.UpdateEntityAsync(subscription, ETag.All, TableUpdateMode.Replace, cancellationToken);
        _cache.TryRemove(subscription.PartitionKey, out _);
    }

    /// <summary>Keeps an event the subscription never took, for a replay.</summary>
    public Task KeepFailedAsync(WebhookFailureEntity failure, CancellationToken cancellationToken) =>
        _failures.UpsertEntityAsync(failure, TableUpdateMode.Replace, cancellationToken);

    /// <summary>The events kept for a subscription's replay, failed at or after <paramref name="since"/>.</summary>
    public async Task<List<WebhookFailureEntity>> FailedAsync(string id, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        var rows = new List<WebhookFailureEntity>();
        await foreach (var row in _failures.QueryAsync<WebhookFailureEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {id}"), cancellationToken: cancellationToken))
        {
            if (since is null || row.FailedAt >= since)
            {
                rows.Add(row);
            }
        }

        return rows;
    }

    /// <summary>Forgets a kept event once it is queued again.</summary>
    public async Task ForgetFailedAsync(WebhookFailureEntity failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(failure);
        try
        {
            await _failures.DeleteEntityAsync(failure.PartitionKey, failure.RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Already gone.
        }
    }
}
