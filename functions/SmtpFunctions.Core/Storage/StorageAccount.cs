using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Storage;

/// <summary>A storage account's service clients, built once from a connection (<c>AzureWebJobsStorage</c>, or a shard's own).</summary>
/// <remarks>
/// Accepts both forms the Functions host accepts: a connection string (<c>UseDevelopmentStorage=true</c> locally) or an
/// identity-based section with <c>blobServiceUri</c>, <c>queueServiceUri</c>, <c>tableServiceUri</c> and optionally
/// <c>credential=managedidentity</c> + <c>clientId</c> for a user-assigned identity.
/// </remarks>
public sealed class StorageAccount
{
    /// <summary>Creates the clients from configuration.</summary>
    public StorageAccount(IConfiguration configuration, IOptions<StorageOptions> options)
        : this(configuration, options, [])
    {
    }

    /// <summary>Creates the clients from configuration, with extra pipeline policies (from the container) run on every try of every request.</summary>
    /// <remarks>The hook for custom diagnostics, and for tests that lose storage's answers on purpose.</remarks>
    public StorageAccount(IConfiguration configuration, IOptions<StorageOptions> options, IEnumerable<HttpPipelinePolicy> policies)
        : this(configuration, StorageNames.Connection, options?.Value ?? throw new ArgumentNullException(nameof(options)), policies)
    {
    }

    /// <summary>
    /// Creates the clients of the connection named <paramref name="connectionName"/> (<c>AzureWebJobsStorage</c>, or a
    /// shard's <c>Shard{n}Storage</c>: see <see cref="ShardAccounts"/>), in either of the two forms.
    /// </summary>
    public StorageAccount(IConfiguration configuration, string connectionName, StorageOptions options, IEnumerable<HttpPipelinePolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(connectionName);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(policies);
        ConnectionName = connectionName;
        var storage = options;
        var section = configuration.GetSection(connectionName);
        var connectionString = section.Value;
        var perTry = policies.ToList();

        var blobOptions = Configure(new BlobClientOptions(), storage, perTry);
        // Message text as stored, as host.json's messageEncoding "none" has the trigger read it: jobs are JSON, which a
        // second Base64 would make a third larger on the wire and in the queue for nothing.
        var queueOptions = Configure(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None }, storage, perTry);
        var tableOptions = Configure(new TableClientOptions(), storage, perTry);

        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            Blobs = new BlobServiceClient(connectionString, blobOptions);
            Queues = new QueueServiceClient(connectionString, queueOptions);
            Tables = new TableServiceClient(connectionString, tableOptions);
            return;
        }

        var credential = CreateCredential(section);
        var accountName = section["accountName"];
        Blobs = new BlobServiceClient(ServiceUri(section, connectionName, "blobServiceUri", accountName, "blob"), credential, blobOptions);
        Queues = new QueueServiceClient(ServiceUri(section, connectionName, "queueServiceUri", accountName, "queue"), credential, queueOptions);
        Tables = new TableServiceClient(ServiceUri(section, connectionName, "tableServiceUri", accountName, "table"), credential, tableOptions);
    }

    /// <summary>The configuration name it was built from (<c>AzureWebJobsStorage</c>, <c>Shard1Storage</c>, …).</summary>
    public string ConnectionName { get; }

    /// <summary>
    /// What tells two accounts apart: the three service endpoints. Two connections naming the same endpoints (a shard's
    /// setting pointing at the main account, as infra writes it without accounts per shard) are one account.
    /// </summary>
    public string Endpoints => string.Join(' ', Blobs.Uri.AbsoluteUri.TrimEnd('/'), Queues.Uri.AbsoluteUri.TrimEnd('/'), Tables.Uri.AbsoluteUri.TrimEnd('/'));

    /// <summary>Whether configuration has a connection of that name, in either form.</summary>
    public static bool IsConfigured(IConfiguration configuration, string connectionName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(connectionName);
        return !string.IsNullOrWhiteSpace(section.Value) || section.GetChildren().Any(c => !string.IsNullOrWhiteSpace(c.Value));
    }

    /// <summary>Blob service of the account.</summary>
    public BlobServiceClient Blobs { get; }

    /// <summary>
    /// Queue service of the account, without message encoding: message text as stored (host.json's
    /// <c>messageEncoding</c> is <c>none</c>). A reader decodes what it must itself (<see cref="QueueJson"/>), so that one
    /// message that is not what it expects cannot fail a whole receive.
    /// </summary>
    public QueueServiceClient Queues { get; }

    /// <summary>Table service of the account.</summary>
    public TableServiceClient Tables { get; }

    /// <summary>Creates every container, table and queue the code uses; idempotent. Azure has them from Bicep, Azurite does not.</summary>
    /// <remarks>The queues are those of every shard (<see cref="StorageShards"/>); none given means one, <c>outbound</c>.</remarks>
    public Task EnsureCreatedAsync(IEnumerable<string>? extraTables = null, StorageShards? shards = null, CancellationToken cancellationToken = default) =>
        EnsureCreatedAsync(extraTables, (shards ?? new StorageShards(1)).All, cancellationToken);

    /// <summary>
    /// As <see cref="EnsureCreatedAsync(IEnumerable{string}?, StorageShards?, CancellationToken)"/>, with the message-scoped
    /// resources of the given shards only (those this account holds, <see cref="ShardAccounts"/>).
    /// </summary>
    public async Task EnsureCreatedAsync(IEnumerable<string>? extraTables, IEnumerable<int> shardsHere, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shardsHere);
        var tasks = new List<Task>
        {
            Tables.GetTableClient(StorageNames.SuppressionsTable).CreateIfNotExistsAsync(cancellationToken),
            Tables.GetTableClient(StorageNames.PacingTable).CreateIfNotExistsAsync(cancellationToken),
            Tables.GetTableClient(StorageNames.ScheduleTable).CreateIfNotExistsAsync(cancellationToken),
            Tables.GetTableClient(StorageNames.ApiKeysTable).CreateIfNotExistsAsync(cancellationToken),
            Tables.GetTableClient(StorageNames.RateLimitsTable).CreateIfNotExistsAsync(cancellationToken),
            Tables.GetTableClient(StorageNames.WebhooksTable).CreateIfNotExistsAsync(cancellationToken),
            Tables.GetTableClient(StorageNames.WebhookFailuresTable).CreateIfNotExistsAsync(cancellationToken),
            Queues.GetQueueClient(StorageNames.EventsQueue).CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            Queues.GetQueueClient(StorageNames.EventsPoisonQueue).CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            Queues.GetQueueClient(StorageNames.EventsPoisonPoisonQueue).CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            Tables.GetTableClient(StorageNames.DomainsTable).CreateIfNotExistsAsync(cancellationToken),
            // The main account's messages table holds the event demand's marker row even when no other shard lives here.
            EnsureShardsCreatedAsync(shardsHere, cancellationToken),
        };
        foreach (var table in extraTables ?? [])
        {
            tasks.Add(Tables.GetTableClient(table).CreateIfNotExistsAsync(cancellationToken));
        }

        await Task.WhenAll(tasks);
    }

    /// <summary>
    /// Creates what a shard's messages need in this account: the <c>messages</c> container and table, and the delivery and
    /// poison queues of <paramref name="shards"/>. Idempotent.
    /// </summary>
    public async Task EnsureShardsCreatedAsync(IEnumerable<int> shards, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var tasks = new List<Task>
        {
            Blobs.GetBlobContainerClient(StorageNames.MessagesContainer).CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            Tables.GetTableClient(StorageNames.MessagesTable).CreateIfNotExistsAsync(cancellationToken),
        };
        foreach (var queue in shards.SelectMany(StorageShards.QueueNamesOf))
        {
            tasks.Add(Queues.GetQueueClient(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken));
        }

        await Task.WhenAll(tasks);
    }

    private static T Configure<T>(T options, StorageOptions storage, IReadOnlyList<HttpPipelinePolicy> perTry) where T : ClientOptions
    {
        foreach (var policy in perTry)
        {
            options.AddPolicy(policy, HttpPipelinePosition.PerRetry);
        }

        options.Retry.MaxRetries = storage.MaxRetries;
        options.Retry.Delay = storage.RetryDelay;
        options.Retry.MaxDelay = TimeSpan.FromSeconds(Math.Max(storage.RetryDelay.TotalSeconds * 8, 1));
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.NetworkTimeout = storage.NetworkTimeout;
        return options;
    }

    private static TokenCredential CreateCredential(IConfigurationSection section)
    {
        var clientId = section["clientId"];
        var kind = section["credential"];
        if (string.Equals(kind, "managedidentity", StringComparison.OrdinalIgnoreCase))
        {
            return string.IsNullOrEmpty(clientId)
                ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        }

        // Outside Azure (a developer against cloud resources): whatever identity the machine is signed in with.
        return new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
    }

    private static Uri ServiceUri(IConfigurationSection section, string connectionName, string key, string? accountName, string service)
    {
        var value = section[key];
        if (!string.IsNullOrWhiteSpace(value))
        {
            return new Uri(value);
        }

        if (!string.IsNullOrWhiteSpace(accountName))
        {
            return new Uri($"https://{accountName}.{service}.core.windows.net");
        }

        throw new InvalidOperationException(
            $"Storage connection '{connectionName}' is not configured: set it to a connection string, or set " +
            $"'{connectionName}__{key}' (or '{connectionName}__accountName') for an identity-based connection.");
    }
}
