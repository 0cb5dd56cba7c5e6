using SmtpFunctions.Core.Suppression;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Core.Tests.Suppression;

/// <summary>An in-memory suppression table (keyed as the real one) that counts reads and can hold them until released.</summary>
internal sealed class FakeSuppressionStore : ISuppressionStore
{
    private readonly SortedDictionary<(string Partition, string Row), SuppressionEntity> _entries = [];
    private int _reads;
    private int _lists;
    private int _inFlight;
    private int _mostInFlight;

    /// <summary>Point reads so far.</summary>
    public int Reads => Volatile.Read(ref _reads);

    /// <summary>List (range) queries so far.</summary>
    public int Lists => Volatile.Read(ref _lists);

    public int MostReadsInFlight => Volatile.Read(ref _mostInFlight);

    /// <summary>When set, reads wait for it (to see them overlap).</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>When set, list queries throw it.</summary>
    public Exception? ListFault { get; set; }

    public void Put(string address, string code = "5.1.1", string list = TenantIds.Default)
    {
        var key = SuppressionKey.ForEnvelope(address, list);
        lock (_entries)
        {
            _entries[(key.PartitionKey, key.RowKey)] = new SuppressionEntity
            {
                PartitionKey = key.PartitionKey,
                RowKey = key.RowKey,
                Address = address,
                Domain = key.Domain,
                ReplyCode = 550,
                EnhancedCode = code,
                Text = "User unknown",
                MessageId = "01m8j01vmaatx2gphqhz6sc4f1",
            };
        }
    }

    public Task<bool> AddAsync(SuppressionEntity entry, CancellationToken cancellationToken)
    {
        lock (_entries)
        {
            return Task.FromResult(_entries.TryAdd((entry.PartitionKey, entry.RowKey), entry));
        }
    }

    public async Task<SuppressionEntity?> GetAsync(SuppressionKey key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        var now = Interlocked.Increment(ref _inFlight);
        lock (_entries)
        {
            _mostInFlight = Math.Max(_mostInFlight, now);
        }

        try
        {
            if (Hold is { } hold)
            {
                await hold.Task.WaitAsync(cancellationToken);
            }

            lock (_entries)
            {
                return _entries.GetValueOrDefault((key.PartitionKey, key.RowKey));
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public Task<bool> DeleteAsync(SuppressionKey key, CancellationToken cancellationToken)
    {
        lock (_entries)
        {
            return Task.FromResult(_entries.Remove((key.PartitionKey, key.RowKey)));
        }
    }

    public Task<SuppressionPage> ListAsync(string list, string? domain, int pageSize, string? continuation, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _lists);
        if (ListFault is { } fault)
        {
            throw fault;
        }

        var (from, before) = SuppressionLists.RangeOf(list);
        var skip = continuation is null ? 0 : int.Parse(continuation, System.Globalization.CultureInfo.InvariantCulture);
        lock (_entries)
        {
            var all = _entries.Values
                .Where(e => (from is null || string.CompareOrdinal(e.PartitionKey, from) >= 0) && string.CompareOrdinal(e.PartitionKey, before) < 0)
                .Where(e => domain is null || e.Domain == domain)
                .ToList();
            var page = all.Skip(skip).Take(pageSize).ToList();
            var next = skip + page.Count < all.Count ? (skip + page.Count).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            return Task.FromResult(new SuppressionPage(page, next));
        }
    }
}
