namespace SmtpFunctions.FunctionApp;

/// <summary>
/// App settings naming the queues of shards 1–7 (<c>Storage:Shards</c>), which the shard triggers bind to as
/// <c>%Shard1Queue%</c>, <c>%Shard1PoisonQueue%</c>, …: infra/app/functionapp.bicep sets every one of them and disables
/// the triggers of shards past the count (<c>AzureWebJobs.{function}.Disabled</c>), local.settings.json does the same.
/// </summary>
/// <remarks>
/// Trigger attributes need constants, so the function app has a fixed set of triggers rather than one per configured
/// shard; shard 0 keeps its literal <c>outbound</c> binding, so a one-shard deployment needs none of these settings.
/// </remarks>
public static class ShardQueueSettings
{
    /// <summary>The setting naming shard <paramref name="shard"/>'s delivery queue.</summary>
    public static string QueueSetting(int shard) => $"Shard{shard}Queue";

    /// <summary>The setting naming shard <paramref name="shard"/>'s poison queue.</summary>
    public static string PoisonQueueSetting(int shard) => $"Shard{shard}PoisonQueue";

    /// <summary>The name of the delivery trigger of shard <paramref name="shard"/> (<c>DeliverMessage</c> for 0).</summary>
    public static string DeliverFunction(int shard) => shard == 0 ? nameof(DeliverMessage) : nameof(DeliverMessage) + "Shard" + shard;

    /// <summary>The name of the poison trigger of shard <paramref name="shard"/> (<c>RedrivePoisonedJob</c> for 0).</summary>
    public static string RedriveFunction(int shard) => shard == 0 ? nameof(RedrivePoisonedJob) : nameof(RedrivePoisonedJob) + "Shard" + shard;
}
