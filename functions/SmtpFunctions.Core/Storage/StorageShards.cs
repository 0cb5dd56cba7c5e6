using System.Globalization;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Storage;

/// <summary>
/// Which delivery queue a message's jobs go to: <c>Storage:Shards</c> queues, the shard picked by a stable hash of the
/// message id, so that every job of a message (first attempt, retries, bounce, re-drive) lands on the same one and anyone
/// holding the id alone can name it.
/// </summary>
/// <remarks>
/// Shard 0 is <c>outbound</c> (what a one-shard deployment has always had), shard <c>n</c> is <c>outbound-n</c>; each
/// has its poison queues named as the Functions host names them (<c>{queue}-poison</c>, and its own <c>-poison</c>).
/// One Azure queue serves about 2,000 messages/s (docs/scale.md), hence more than one queue past that.
/// </remarks>
public sealed class StorageShards
{
    /// <summary>Most shards: the function app has this many <c>DeliverMessage</c> triggers, one per queue.</summary>
    public const int MaxShards = 8;

    /// <summary>Suffix the Functions queue trigger appends to a queue's name for the messages it gives up on.</summary>
    public const string PoisonSuffix = "-poison";

    /// <summary>The shards of <c>Storage:Shards</c>.</summary>
    public StorageShards(IOptions<StorageOptions> options)
        : this(options?.Value.Shards ?? throw new ArgumentNullException(nameof(options)))
    {
    }

    /// <summary>The given number of shards.</summary>
    public StorageShards(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxShards);
        Count = count;
    }

    /// <summary>Number of delivery queues.</summary>
    public int Count { get; }

    /// <summary>Every shard's number, 0 first.</summary>
    public IEnumerable<int> All => Enumerable.Range(0, Count);

    /// <summary>The shard of a message: a stable hash of its id (the same on every machine and run).</summary>
    public int ShardFor(string messageId)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        return Count == 1 ? 0 : (int)(Fnv1a(messageId) % (uint)Count);
    }

    /// <summary>The delivery queue of shard <paramref name="shard"/>: <c>outbound</c>, <c>outbound-1</c>, …</summary>
    public static string QueueName(int shard)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, MaxShards);
        return shard == 0 ? StorageNames.OutboundQueue : StorageNames.OutboundQueue + "-" + shard.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Where the queue trigger moves a shard's jobs that failed <c>maxDequeueCount</c> times.</summary>
    public static string PoisonQueueName(int shard) => QueueName(shard) + PoisonSuffix;

    /// <summary>Where the poison queue's own trigger moves what it failed on.</summary>
    public static string PoisonPoisonQueueName(int shard) => PoisonQueueName(shard) + PoisonSuffix;

    /// <summary>Every queue of every shard: delivery, poison and poison-poison.</summary>
    public IEnumerable<string> QueueNames() => All.SelectMany(QueueNamesOf);

    /// <summary>The queues of shard <paramref name="shard"/>: delivery, poison and poison-poison.</summary>
    public static IEnumerable<string> QueueNamesOf(int shard) => [QueueName(shard), PoisonQueueName(shard), PoisonPoisonQueueName(shard)];

    // FNV-1a over the UTF-16 code units: cheap, stable, and spreads ids (random or hashed already) evenly.
    private static uint Fnv1a(string value)
    {
        var hash = 2166136261u;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
