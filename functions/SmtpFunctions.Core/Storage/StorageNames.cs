namespace SmtpFunctions.Core.Storage;

/// <summary>Names of the storage resources the code uses; <c>infra/app/storage.bicep</c> creates the same ones (a test keeps them equal).</summary>
public static class StorageNames
{
    /// <summary>Configuration name of the storage connection, shared with the Functions queue trigger.</summary>
    public const string Connection = "AzureWebJobsStorage";

    /// <summary>Blob container holding each accepted message's MIME.</summary>
    public const string MessagesContainer = "messages";

    /// <summary>Table of message and per-recipient status; partition = message id.</summary>
    public const string MessagesTable = "messages";

    /// <summary>Table of suppressed recipient addresses; partition = the address's domain.</summary>
    public const string SuppressionsTable = "suppressions";

    /// <summary>Table of delivering instances' heartbeats, when pacing limits are shared among instances.</summary>
    public const string PacingTable = "pacing";

    /// <summary>
    /// The sweeper's due-time index: PartitionKey = due minute (UTC) and a shard, RowKey = message id. Lets the sweeper
    /// find the messages to look at with one range query instead of reading every status partition.
    /// </summary>
    public const string ScheduleTable = "schedule";

    /// <summary>Table of API keys: PartitionKey = key id, one row each, holding the secret's hash and never the secret.</summary>
    public const string ApiKeysTable = "apikeys";

    /// <summary>Table of per-key, per-minute submission counts that instances take rate-limit allowance from.</summary>
    public const string RateLimitsTable = "ratelimits";
    /// <summary>Webhook subscriptions; partition = tenant, row = subscription id.</summary>
    public const string WebhooksTable = "webhooks";

    /// <summary>Events a webhook subscription never took, kept for its replay; partition = subscription id.</summary>
    public const string WebhookFailuresTable = "webhookfailures";

    /// <summary>Queue of event intents to dispatch and webhook deliveries to try again.</summary>
    public const string EventsQueue = "events";

    /// <summary>Where the events trigger moves messages that failed <c>maxDequeueCount</c> times.</summary>
    public const string EventsPoisonQueue = "events-poison";

    /// <summary>Where the events poison trigger (<c>RedrivePoisonedEvent</c>) moves messages that failed <c>maxDequeueCount</c> times.</summary>
    public const string EventsPoisonPoisonQueue = "events-poison-poison";
    /// <summary>
    /// Tenants' sending domains: PartitionKey = tenant id, RowKey = domain; plus one claim row per verified domain under
    /// PartitionKey <c>$system</c>, so a domain is verified for one tenant at most. Public keys only: private keys are in
    /// the secret store.
    /// </summary>
    public const string DomainsTable = "domains";

    /// <summary>Queue of delivery jobs, one per message × recipient domain.</summary>
    public const string OutboundQueue = "outbound";

    /// <summary>Where the queue trigger moves jobs that failed <c>maxDequeueCount</c> times.</summary>
    public const string OutboundPoisonQueue = "outbound-poison";

    /// <summary>Where the poison queue's own trigger moves messages whose handling failed <c>maxDequeueCount</c> times.</summary>
    public const string OutboundPoisonPoisonQueue = "outbound-poison-poison";
}
