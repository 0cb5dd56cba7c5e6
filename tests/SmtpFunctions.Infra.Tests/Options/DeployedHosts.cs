using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Infra.Tests.Options;

/// <summary>Which options each deployed host binds, and the settings that belong to the platform rather than to an options class.</summary>
internal static class DeployedHosts
{
    /// <summary>The SMTP ingress container's assembly: its options go to the container app only.</summary>
    public const string IngressAssembly = "SmtpFunctions.Ingress";

    /// <summary>Core sections the ingress binds besides its own: it submits (and so signs, checks suppressions, files each message in the sweeper's index and queues its accepted events, holding senders to their tenant's verified domains), it never delivers.</summary>
    public static readonly IReadOnlySet<string> IngressCoreSections = new HashSet<string>(["Submission", "Storage", "Dkim", "Suppression", "Sweeper", "Events", "Domains"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Sections the Bicep already feeds whose options class is still being written on another branch. A key under one of
    /// these passes the "is read by the code" check only while the section does not exist in code; once it does, the
    /// key must resolve to a real property like every other.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> PendingSections = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Delivery"] = "issue 3: smart host credentials (keyVaultReferences)",
        ["Ingress"] = "issue 4: certificate and users file paths",
        ["Dkim"] = "issue 6: DKIM keys (dkimKeys)",
    };

    /// <summary>
    /// Each shard's storage connection (<c>Shard{n}Storage</c>, identity form), read by Core's ShardAccounts and bound by the
    /// function app's shard triggers; set for shards 1–7 whether or not a shard has an account of its own.
    /// </summary>
    public static readonly IReadOnlySet<string> ShardStorageSettings = Enumerable.Range(1, StorageShards.MaxShards - 1)
        .SelectMany(s => new[] { "blobServiceUri", "queueServiceUri", "tableServiceUri", "credential", "clientId" }.Select(k => $"{ShardAccounts.ConnectionName(s)}__{k}"))
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>Settings both hosts get from the platform side: the identity-based storage connection and Application Insights.</summary>
    public static readonly IReadOnlySet<string> PlatformSettings = new HashSet<string>(StringComparer.Ordinal)
    {
        // Read by the Functions host (triggers) and by Core's StorageAccount; the prefix is StorageNames.Connection.
        $"{StorageNames.Connection}__blobServiceUri",
        $"{StorageNames.Connection}__queueServiceUri",
        $"{StorageNames.Connection}__tableServiceUri",
        $"{StorageNames.Connection}__credential",
        $"{StorageNames.Connection}__clientId",
        // Where telemetry goes, and the Entra ID (managed identity) ingestion that local-auth-disabled App Insights needs.
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    }.Union(ShardStorageSettings).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Settings the Functions host reads for the shard triggers (SmtpFunctions.FunctionApp.ShardQueueSettings): the queue
    /// each of shards 1–7 binds to, and the switch that turns off the triggers of shards past <c>Storage:Shards</c>.
    /// </summary>
    public static readonly IReadOnlySet<string> ShardTriggerSettings = Enumerable.Range(1, StorageShards.MaxShards - 1)
        .SelectMany(s => new[]
        {
            SmtpFunctions.FunctionApp.ShardQueueSettings.QueueSetting(s),
            SmtpFunctions.FunctionApp.ShardQueueSettings.PoisonQueueSetting(s),
            $"AzureWebJobs.{SmtpFunctions.FunctionApp.ShardQueueSettings.DeliverFunction(s)}.Disabled",
            $"AzureWebJobs.{SmtpFunctions.FunctionApp.ShardQueueSettings.RedriveFunction(s)}.Disabled",
        })
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>Options classes the function app binds: everything outside the ingress assembly.</summary>
    public static IReadOnlyList<OptionsSection> FunctionAppSections =>
        OptionsCatalog.Sections.Where(s => s.Assembly != IngressAssembly).ToList();

    /// <summary>Options classes the ingress binds.</summary>
    public static IReadOnlyList<OptionsSection> IngressSections =>
        OptionsCatalog.Sections.Where(s => s.Assembly == IngressAssembly || IngressCoreSections.Contains(s.Name)).ToList();

    /// <summary>The sections of a host by name (<c>functionapp</c> or <c>ingress</c>).</summary>
    public static IReadOnlyList<OptionsSection> SectionsOf(string host) => host switch
    {
        FunctionApp => FunctionAppSections,
        Ingress => IngressSections,
        _ => throw new ArgumentOutOfRangeException(nameof(host), host, "Hosts are functionapp and ingress."),
    };

    /// <summary>Host name of the function app.</summary>
    public const string FunctionApp = "functionapp";

    /// <summary>Host name of the ingress container.</summary>
    public const string Ingress = "ingress";
}
