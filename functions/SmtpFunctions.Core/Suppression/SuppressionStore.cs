using System.Text;
using Azure;
using Azure.Data.Tables;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Core.Suppression;

/// <summary>Reads and writes the <c>suppressions</c> table (no caching: see <see cref="SuppressionList"/>).</summary>
public sealed class SuppressionStore : ISuppressionStore
{
    /// <summary>Largest page a list request may ask for (the table service's own page limit).</summary>
    public const int MaxPageSize = 1000;

    private readonly TableClient _table;

    /// <summary>Binds to the <c>suppressions</c> table.</summary>
    public SuppressionStore(StorageAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        _table = account.Tables.GetTableClient(StorageNames.SuppressionsTable);
    }

    /// <inheritdoc />
    public async Task<bool> AddAsync(SuppressionEntity entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        try
        {
            await _table.AddEntityAsync(entry, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<SuppressionEntity?> GetAsync(SuppressionKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var response = await _table.GetEntityIfExistsAsync<SuppressionEntity>(key.PartitionKey, key.RowKey, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(SuppressionKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            var response = await _table.DeleteEntityAsync(key.PartitionKey, key.RowKey, ETag.All, cancellationToken);
            return response.Status != 404;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <summary>
    /// One page of one list's entries in key order (domain, then address), optionally of one domain only (a partition
    /// query); the whole list is one PartitionKey range (<see cref="SuppressionLists.RangeOf"/>).
    /// </summary>
    /// <param name="list">The list: a tenant id, or <see cref="SuppressionLists.Global"/>.</param>
    /// <param name="domain">Lower-case A-label domain, or null for every domain.</param>
    /// <param name="pageSize">1 to <see cref="MaxPageSize"/>.</param>
    /// <param name="continuation">The <see cref="SuppressionPage.ContinuationToken"/> of the previous page, or null.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public async Task<SuppressionPage> ListAsync(string list, string? domain, int pageSize, string? continuation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
        var (from, before) = SuppressionLists.RangeOf(list);
        var filter = domain is not null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {SuppressionLists.PartitionKeyFor(list, domain)}")
            : from is null
                ? TableClient.CreateQueryFilter($"PartitionKey lt {before}")
                : TableClient.CreateQueryFilter($"PartitionKey ge {from} and PartitionKey lt {before}");
        var pages = _table.QueryAsync<SuppressionEntity>(filter, pageSize, cancellationToken: cancellationToken)
            .AsPages(continuation is null ? null : ToServiceToken(continuation), pageSize);
        await foreach (var page in pages)
        {
            return new SuppressionPage(page.Values, page.ContinuationToken is { Length: > 0 } next ? ToApiToken(next) : null);
        }

        return new SuppressionPage([], null);
    }

    /// <summary>True when <paramref name="token"/> is a continuation token this API handed out (not tampered into something else).</summary>
    public static bool IsContinuationToken(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4096)
        {
            return false;
        }

        try
        {
            var service = ToServiceToken(token);
            var space = service.IndexOf(' ', StringComparison.Ordinal);
            return space > 0 && !service.Any(char.IsControl);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            // Not base64url, or not UTF-8 inside (DecoderFallbackException is an ArgumentException).
            return false;
        }
    }

    // The table service's token is "NextPartitionKey NextRowKey"; the API hands it out base64url-encoded, one opaque
    // value that needs no escaping in a query string.
    private static string ToApiToken(string serviceToken) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(serviceToken)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string ToServiceToken(string apiToken)
    {
        var base64 = apiToken.Replace('-', '+').Replace('_', '/');
        base64 += (base64.Length % 4) switch { 2 => "==", 3 => "=", 0 => "", _ => throw new FormatException("Bad continuation token length.") };
        return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(base64));
    }
}
