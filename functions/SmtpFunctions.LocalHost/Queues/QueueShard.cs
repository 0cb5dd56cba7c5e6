namespace SmtpFunctions.LocalHost.Queues;

/// <summary>Which shard's queues a listener serves (<see cref="Core.Storage.StorageShards"/>); one listener per shard.</summary>
/// <param name="Number">The shard, 0 for <c>outbound</c>.</param>
internal sealed record QueueShard(int Number);
