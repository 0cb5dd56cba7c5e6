namespace SmtpFunctions.Core.Storage;

/// <summary>
/// One client per shard, built once by <see cref="ShardAccounts.PerShard{T}(Func{StorageAccount, T})"/>: a message's by
/// its id alone (<see cref="StorageShards.ShardFor"/>), or a shard's by its number.
/// </summary>
public sealed class ShardClients<T>
{
    private readonly StorageShards _shards;
    private readonly T[] _clients;

    internal ShardClients(StorageShards shards, T[] clients)
    {
        _shards = shards;
        _clients = clients;
    }

    /// <summary>The client of shard <paramref name="shard"/>.</summary>
    public T this[int shard] => _clients[shard];

    /// <summary>The client of message <paramref name="messageId"/>'s shard.</summary>
    public T ForMessage(string messageId) => _clients[_shards.ShardFor(messageId)];
}
