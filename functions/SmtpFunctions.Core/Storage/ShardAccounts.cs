using System.Globalization;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Storage;

/// <summary>
/// Which storage account holds a shard's messages: shard 0 the main one (<c>AzureWebJobsStorage</c>), shard n ≥ 1 the
/// account of its connection <c>Shard{n}Storage</c> when one is configured, the main one otherwise.
/// </summary>
/// <remarks>
/// A shard's account holds its messages' data: their delivery and poison queues, their MIME blobs (and the blob index
/// tags that file them for the sweeper) in container <c>messages</c>, and their status rows and event intents in table
/// <c>messages</c>. Everything else (keys, domains, suppressions, pacing, the sweeper's <c>schedule</c>, rate limits,
/// webhooks, the events queue) is in the main account. The shard follows from the message id alone
/// (<see cref="StorageShards.ShardFor"/>), so whoever holds an id finds its account. A shard's connection that names the
/// main account's endpoints is the main account (one client, counted once by <see cref="Distinct"/>); without any
/// shard connection nothing changes. Accounts per shard multiply the account's 20,000 requests/s (docs/scale.md).
/// </remarks>
public sealed class ShardAccounts
{
    private const string Unusable = "unusable: ";
    private readonly StorageAccount[] _byShard;

    /// <summary>The accounts of <c>Storage:Shards</c> from configuration, sharing the main account's pipeline policies.</summary>
    public ShardAccounts(StorageAccount main, StorageShards shards, IConfiguration configuration, IOptions<StorageOptions> options, IEnumerable<HttpPipelinePolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(main);
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(policies);
        var perTry = policies.ToList();
        var errors = Validate(configuration, shards.Count);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(StorageOptions.SectionName, typeof(StorageOptions), errors);
        }

        var known = new Dictionary<string, StorageAccount>(StringComparer.OrdinalIgnoreCase) { [main.Endpoints] = main };
        _byShard = new StorageAccount[shards.Count];
        _byShard[0] = main;
        for (var shard = 1; shard < shards.Count; shard++)
        {
            var name = ConnectionName(shard);
            if (!StorageAccount.IsConfigured(configuration, name))
            {
                _byShard[shard] = main;
                continue;
            }

            var account = new StorageAccount(configuration, name, options.Value, perTry);
            _byShard[shard] = known.TryGetValue(account.Endpoints, out var same) ? same : known[account.Endpoints] = account;
        }

        Shards = shards;
        Main = main;
    }

    /// <summary>One account for every shard (tests, tools): the layout of a deployment without shard connections.</summary>
    public ShardAccounts(StorageAccount main, StorageShards shards)
    {
        ArgumentNullException.ThrowIfNull(main);
        ArgumentNullException.ThrowIfNull(shards);
        Main = main;
        Shards = shards;
        _byShard = Enumerable.Repeat(main, shards.Count).ToArray();
    }

    /// <summary>The main account: shard 0, and everything that is not a message's.</summary>
    public StorageAccount Main { get; }

    /// <summary>The shards (<c>Storage:Shards</c>).</summary>
    public StorageShards Shards { get; }

    /// <summary>Every distinct account, the main one first (it always holds shard 0), each with the shards it holds.</summary>
    public IReadOnlyList<(StorageAccount Account, IReadOnlyList<int> Shards)> Distinct =>
        Shards.All.GroupBy(s => _byShard[s]).Select(g => (g.Key, (IReadOnlyList<int>)g.ToList())).ToList();

    /// <summary>The account of shard <paramref name="shard"/>.</summary>
    public StorageAccount For(int shard)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, _byShard.Length);
        return _byShard[shard];
    }

    /// <summary>The account of the message <paramref name="messageId"/>: its shard's.</summary>
    public StorageAccount ForMessage(string messageId) => _byShard[Shards.ShardFor(messageId)];

    /// <summary>A client per shard, built once (the same client for shards that share an account).</summary>
    public ShardClients<T> PerShard<T>(Func<StorageAccount, T> client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var built = new Dictionary<StorageAccount, T>();
        return new ShardClients<T>(Shards, _byShard.Select(a => built.TryGetValue(a, out var c) ? c : built[a] = client(a)).ToArray());
    }

    /// <summary>A client per shard, built once from its account and its number (for what each shard has its own of: its queues).</summary>
    public ShardClients<T> PerShard<T>(Func<StorageAccount, int, T> client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new ShardClients<T>(Shards, Shards.All.Select(s => client(_byShard[s], s)).ToArray());
    }

    /// <summary>A client per distinct account, the main one first (for what reads across messages: the sweeper's tag query).</summary>
    public IReadOnlyList<T> PerAccount<T>(Func<StorageAccount, T> client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return Distinct.Select(d => client(d.Account)).ToList();
    }

    /// <summary>Creates every resource in every account: the main one's all, each shard account's message-scoped ones. Idempotent.</summary>
    public async Task EnsureCreatedAsync(IEnumerable<string>? extraTables = null, CancellationToken cancellationToken = default)
    {
        var tasks = new List<Task>();
        foreach (var (account, shards) in Distinct)
        {
            tasks.Add(ReferenceEquals(account, Main)
                ? Main.EnsureCreatedAsync(extraTables, shards, cancellationToken)
                : account.EnsureShardsCreatedAsync(shards, cancellationToken));
        }

        await Task.WhenAll(tasks);
    }

    /// <summary>The configuration name of shard <paramref name="shard"/>'s own connection: <c>Shard1Storage</c>, …</summary>
    public static string ConnectionName(int shard)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shard, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, StorageShards.MaxShards);
        return "Shard" + shard.ToString(CultureInfo.InvariantCulture) + "Storage";
    }

    /// <summary>
    /// What is wrong with the shard connections for <paramref name="shards"/> shards: one of a shard past the count that
    /// names an account other than the main one (its messages would never be routed there, so whatever it was meant to
    /// carry would silently stay in the main account). A shard connection that names the main account is allowed
    /// anywhere: infra always writes all seven, pointing at the main account unless accounts per shard are on.
    /// </summary>
    public static IReadOnlyList<string> Validate(IConfiguration configuration, int shards)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var errors = new List<string>();
        string? main = null;
        for (var shard = 1; shard < Math.Min(shards, StorageShards.MaxShards); shard++)
        {
            var name = ConnectionName(shard);
            if (StorageAccount.IsConfigured(configuration, name) && Describe(configuration, name) is var own && own.StartsWith(Unusable, StringComparison.Ordinal))
            {
                errors.Add($"'{name}', the storage connection of shard {shard}, is {own}");
            }
        }

        for (var shard = Math.Max(shards, 1); shard < StorageShards.MaxShards; shard++)
        {
            var name = ConnectionName(shard);
            if (!StorageAccount.IsConfigured(configuration, name))
            {
                continue;
            }

            main ??= Describe(configuration, StorageNames.Connection);
            var own = Describe(configuration, name);
            if (!string.Equals(own, main, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(
                    $"'{name}' names a storage account of its own ({own}), but {StorageOptions.SectionName}:{nameof(StorageOptions.Shards)} is {shards}, " +
                    $"so shard {shard} does not exist and no message would be stored there. Raise {StorageOptions.SectionName}:{nameof(StorageOptions.Shards)} " +
                    $"past {shard}, remove '{name}', or point it at the main account ('{StorageNames.Connection}').");
            }
        }

        return errors;
    }

    // The endpoints of a connection, or what made it unusable; no request is sent.
    private static string Describe(IConfiguration configuration, string name)
    {
        try
        {
            return new StorageAccount(configuration, name, new StorageOptions(), []).Endpoints;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException or UriFormatException)
        {
            return Unusable + ex.Message;
        }
    }
}
