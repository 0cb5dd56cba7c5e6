using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;

namespace SmtpFunctions.Benchmarks.Simulation;

/// <summary>
/// Stands Azure's limits and latencies in front of Azurite, on every try of every request the real SDK clients send: the
/// request is classified (service, queue, table partition), refused (503 Server Busy, retried as the SDK retries it) when the account, the queue or
/// the partition is past its target, else delayed by a latency drawn from the service's distribution and passed on.
/// Azurite keeps the semantics (ETags, visibility, transactions); the model decides what Azure would have allowed.
/// Each account has its own targets: the account is the first segment of Azurite's path-style URL, so a run with a
/// storage account per shard (Azurite's extra accounts) gives each shard's account its own 20,000 requests/s, queues and
/// partitions.
/// </summary>
/// <remarks>
/// It counts what the code sends, not a constant: requests by service and kind, entities per partition, queue messages.
/// A queue's "messages" are what each request moves: one put, one delete, one update, the messages a receive returned
/// (one for an empty one). A table request costs one entity per row it writes or reads by key; a query costs one.
/// </remarks>
internal sealed partial class StorageModelPolicy : HttpPipelinePolicy
{
    private static readonly IReadOnlyDictionary<string, int> NoPartitions = new Dictionary<string, int>();
    private readonly AzureLimits _limits;
    private readonly int _maxRetries;
    private readonly TimeSpan _retryDelay;
    private readonly ConcurrentDictionary<string, TokenBucket> _accounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TokenBucket> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TokenBucket> _partitions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _services;
    private long _throttled;
    private long _total;

    public StorageModelPolicy(AzureLimits limits, int blobPort, int queuePort, int tablePort, int maxRetries, TimeSpan retryDelay)
    {
        _limits = limits;
        _maxRetries = maxRetries;
        _retryDelay = retryDelay;
        _services = new Dictionary<int, string> { [blobPort] = "blob", [queuePort] = "queue", [tablePort] = "table" };
    }

    /// <summary>Requests answered 503 by the model (each try counts).</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    /// <summary>Requests passed on to storage.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Accounts that requests went to.</summary>
    public int Accounts => _accounts.Count;

    /// <summary>Requests passed on, by "service kind" (e.g. "table write messages").</summary>
    public IReadOnlyDictionary<string, long> Requests => new Dictionary<string, long>(_requests);

    public void Reset()
    {
        _requests.Clear();
        Interlocked.Exchange(ref _throttled, 0);
        Interlocked.Exchange(ref _total, 0);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The simulation drives the asynchronous clients only.");

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var request = Classify(message.Request);
        for (var attempt = 0; !Admit(request); attempt++)
        {
            // Azure answers 503 Server Busy and the SDK retries with exponential back-off (Storage:MaxRetries,
            // Storage:RetryDelay). The model plays those retries here: a short-circuited response in a per-try policy
            // left the SDK reading a disposed body. Past the retries the caller sees what the SDK would throw.
            Interlocked.Increment(ref _throttled);
            if (attempt >= _maxRetries)
            {
                throw new Azure.RequestFailedException(503, "The server is busy (model of Azure Storage's scalability targets).", "ServerBusy", null);
            }

            await Task.Delay(TimeSpan.FromTicks(_retryDelay.Ticks << attempt), message.CancellationToken);
        }

        await Task.Delay(request.Latency.Sample(), message.CancellationToken);
        await ProcessNextAsync(message, pipeline);
        Interlocked.Increment(ref _total);
        _requests.AddOrUpdate(request.Kind, 1, (_, n) => n + 1);
    }

    /// <summary>
    /// Charges a queue for the messages a receive returned beyond the one its request paid for. The receiver reports them
    /// (it parsed the answer); the buffered answer is not read twice here.
    /// </summary>
    public void ChargeReceived(Azure.Storage.Queues.QueueClient queue, int returned) =>
        _queues.GetOrAdd(queue.AccountName + "/" + queue.Name, _ => new TokenBucket(_limits.QueueMessagesPerSecond)).Charge(Math.Max(returned - 1, 0));

    // Every limit the request falls under must have room; only then does it pay each of them, so that a refused try
    // costs nothing (Azure does not count what it refused against the targets).
    private bool Admit(ModelRequest request)
    {
        var account = _accounts.GetOrAdd(request.Account, _ => new TokenBucket(_limits.AccountRequestsPerSecond));
        var queue = request.Queue is { } name ? _queues.GetOrAdd(request.Account + "/" + name, _ => new TokenBucket(_limits.QueueMessagesPerSecond)) : null;
        var partitions = request.Partitions.Select(p => (Bucket: _partitions.GetOrAdd(request.Account + "/" + p.Key, _ => new TokenBucket(_limits.PartitionEntitiesPerSecond)), Cost: p.Value)).ToList();
        if (!account.HasToken() || queue?.HasToken() == false || partitions.Any(p => !p.Bucket.HasToken()))
        {
            return false;
        }

        account.Charge(1);
        queue?.Charge(1);
        foreach (var (bucket, cost) in partitions)
        {
            bucket.Charge(cost);
        }

        return true;
    }

    private ModelRequest Classify(Request request)
    {
        var service = _services.GetValueOrDefault(request.Uri.Port, "other");
        var path = Uri.UnescapeDataString(request.Uri.Path);
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var account = segments.Length > 0 ? segments[0] : "";
        var resource = segments.Length > 1 ? segments[1] : "";
        var method = request.Method.Method;
        switch (service)
        {
            case "queue":
            {
                var isMessages = segments.Length > 2 && segments[2] == "messages";
                var isReceive = isMessages && method == "GET" && !request.Uri.Query.Contains("peekonly=true", StringComparison.OrdinalIgnoreCase);
                var kind = !isMessages ? "queue admin" : method switch { "POST" => "queue put", "GET" => isReceive ? "queue receive" : "queue peek", "DELETE" => "queue delete", "PUT" => "queue update", _ => "queue other" };
                return new ModelRequest(account, kind, AzureLimits.QueueLatency, isMessages ? resource : null, isReceive, NoPartitions);
            }

            case "table":
            {
                var table = TableName(resource);
                var body = method is "POST" or "PUT" or "MERGE" or "PATCH" ? BodyText(request) : "";
                var partitions = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (Match match in KeyInUrl().Matches(path + " " + body))
                {
                    Add(partitions, table, match.Groups[1].Value);
                }

                foreach (Match match in KeyInJson().Matches(body))
                {
                    Add(partitions, table, match.Groups[1].Value);
                }

                var filter = Uri.UnescapeDataString(request.Uri.Query);
                var equal = PartitionFilter().Match(filter);
                if (equal.Success)
                {
                    Add(partitions, table, equal.Groups[1].Value);
                }

                var kind = resource == "$batch" ? "table batch" : method == "GET" ? (equal.Success || resource.Contains('(', StringComparison.Ordinal) ? "table read" : "table scan") : "table write";
                return new ModelRequest(account, $"{kind} {(resource == "$batch" ? BatchTable(body) : table)}", AzureLimits.TableLatency, null, false, partitions);
            }

            case "blob":
            {
                // A blob's index tags (the sweeper's first filing: cleared, or found by tag) apart from its content.
                var query = request.Uri.Query;
                var kind = query.Contains("comp=tags", StringComparison.Ordinal) ? "tags " : query.Contains("comp=blobs", StringComparison.Ordinal) ? "find-by-tags " : "";
                return new ModelRequest(account, $"blob {kind}{method.ToLowerInvariant()}", AzureLimits.BlobLatency, null, false, NoPartitions);
            }
            default:
                return new ModelRequest(account, "other", AzureLimits.TableLatency, null, false, NoPartitions);
        }
    }

    private static void Add(Dictionary<string, int> partitions, string table, string partition)
    {
        var key = table + "/" + partition;
        partitions[key] = partitions.GetValueOrDefault(key) + 1;
    }

    private static string TableName(string resource)
    {
        var paren = resource.IndexOf('(', StringComparison.Ordinal);
        return paren < 0 ? resource : resource[..paren];
    }

    private static string BatchTable(string body)
    {
        var match = BatchTarget().Match(body);
        return match.Success ? match.Groups[1].Value : "(body not read)";
    }

    private static string BodyText(Request request)
    {
        if (request.Content is null)
        {
            return "";
        }

        using var buffer = new MemoryStream();
        request.Content.WriteTo(buffer, CancellationToken.None);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    [GeneratedRegex(@"PartitionKey='([^']*)'")]
    private static partial Regex KeyInUrl();

    [GeneratedRegex("\"PartitionKey\":\"([^\"]*)\"")]
    private static partial Regex KeyInJson();

    [GeneratedRegex(@"PartitionKey eq '([^']*)'")]
    private static partial Regex PartitionFilter();

    // The batch body names each operation's URL: host:port/account/table(…).
    [GeneratedRegex(@":[0-9]+/[a-z0-9]+/([A-Za-z][A-Za-z0-9]*)")]
    private static partial Regex BatchTarget();

    private sealed record ModelRequest(string Account, string Kind, Latency Latency, string? Queue, bool IsReceive, IReadOnlyDictionary<string, int> Partitions);
}
