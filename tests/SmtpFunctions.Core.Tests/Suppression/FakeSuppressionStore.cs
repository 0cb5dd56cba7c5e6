using SmtpFunctions.Core.Suppression;

namespace SmtpFunctions.Core.Tests.Suppression;

/// <summary>An in-memory suppression table that counts reads and can hold them until released.</summary>
internal sealed class FakeSuppressionStore : ISuppressionStore
{
    private readonly Dictionary<string, SuppressionEntity> _entries = new(StringComparer.Ordinal);
    private int _reads;
    private int _inFlight;
    private int _mostInFlight;

    public int Reads => Volatile.Read(ref _reads);

    public int MostReadsInFlight => Volatile.Read(ref _mostInFlight);

    /// <summary>When set, reads wait for it (to see them overlap).</summary>
    public TaskCompletionSource? Hold { get; set; }

    public void Put(string address, string code = "5.1.1")
    {
        var key = SuppressionKey.ForEnvelope(address);
        lock (_entries)
        {
            _entries[key.Address] = new SuppressionEntity
            {
                PartitionKey = key.Domain,
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
            return Task.FromResult(_entries.TryAdd(entry.Address.ToLowerInvariant(), entry));
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
                return _entries.GetValueOrDefault(key.Address);
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
            return Task.FromResult(_entries.Remove(key.Address));
        }
    }

    public Task<SuppressionPage> ListAsync(string? domain, int pageSize, string? continuation, CancellationToken cancellationToken)
    {
        lock (_entries)
        {
            return Task.FromResult(new SuppressionPage(_entries.Values.Where(e => domain is null || e.Domain == domain).ToList(), null));
        }
    }
}
