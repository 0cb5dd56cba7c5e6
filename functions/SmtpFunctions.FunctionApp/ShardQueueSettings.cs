using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.FunctionApp;

/// <summary>
/// App settings naming the queues of shards 1–7 (<c>Storage:Shards</c>), which the shard triggers bind to as
/// <c>%Shard1Queue%</c>, <c>%Shard1PoisonQueue%</c>, …: infra/app/functionapp.bicep sets every one of them and disables
/// the triggers of shards past the count (<c>AzureWebJobs.{function}.Disabled</c>), local.settings.json does the same. Each
/// shard's triggers bind through its own connection, <c>Shard{n}Storage</c>, which names the shard's account or the main one.
/// </summary>
/// <remarks>
/// Trigger attributes need constants, so the function app has a fixed set of triggers rather than one per configured
/// shard; shard 0 keeps its literal <c>outbound</c> binding, so a one-shard deployment needs none of these settings.
/// </remarks>
public static class ShardQueueSettings
{
    /// <summary>Shard 1's storage connection (<see cref="ShardAccounts"/>): its trigger binds to its queue in that account.</summary>
    public const string Shard1Connection = "Shard1Storage";

    /// <summary>Shard 2's storage connection (<see cref="ShardAccounts"/>): its trigger binds to its queue in that account.</summary>
    public const string Shard2Connection = "Shard2Storage";

    /// <summary>Shard 3's storage connection (<see cref="ShardAccounts"/>): its trigger binds to its queue in that account.</summary>
    public const string Shard3Connection = "Shard3Storage";

    /// <summary>Shard 4's storage connection (<see cref="ShardAccounts"/>): its trigger binds to its queue in that account.</summary>
    public const string Shard4Connection = "Shard4Storage";

    /// <summary>Shard 5's storage connection (<see cref="ShardAccounts"/>): its trigger binds to its queue in that account.</summary>
    public const string Shard5Connection = "Shard5Storage";

    /// <summary>Shard 6's storage connection (<see cref="ShardAccounts"/>): its trigger binds to its queue in that account.</summary>
    public const string Shard6Connection = "Shard6Storage";

    /// <summary>Shard 7's storage connection (<see cref="ShardAccounts"/>): its trigger binds to its queue in that account.</summary>
    public const string Shard7Connection = "Shard7Storage";

    /// <summary>The connection setting of shard <paramref name="shard"/>'s triggers (<see cref="ShardAccounts.ConnectionName"/>).</summary>
    public static string ConnectionSetting(int shard) => ShardAccounts.ConnectionName(shard);

    /// <summary>The setting naming shard <paramref name="shard"/>'s delivery queue.</summary>
    public static string QueueSetting(int shard) => $"Shard{shard}Queue";

    /// <summary>The setting naming shard <paramref name="shard"/>'s poison queue.</summary>
    public static string PoisonQueueSetting(int shard) => $"Shard{shard}PoisonQueue";

    /// <summary>The name of the delivery trigger of shard <paramref name="shard"/> (<c>DeliverMessage</c> for 0).</summary>
    public static string DeliverFunction(int shard) => shard == 0 ? nameof(DeliverMessage) : nameof(DeliverMessage) + "Shard" + shard;

    /// <summary>The name of the poison trigger of shard <paramref name="shard"/> (<c>RedrivePoisonedJob</c> for 0).</summary>
    public static string RedriveFunction(int shard) => shard == 0 ? nameof(RedrivePoisonedJob) : nameof(RedrivePoisonedJob) + "Shard" + shard;
}
