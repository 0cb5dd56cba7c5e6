using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Core.Tests.Storage;

public class ShardAccountsTests
{
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static string Connection(string account) =>
        $"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={Key};BlobEndpoint=http://127.0.0.1:1/{account};" +
        $"QueueEndpoint=http://127.0.0.1:2/{account};TableEndpoint=http://127.0.0.1:3/{account};";

    private static ShardAccounts Build(int shards, params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?> { [StorageNames.Connection] = Connection("main") };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var options = Microsoft.Extensions.Options.Options.Create(new StorageOptions { Shards = shards });
        return new ShardAccounts(new StorageAccount(configuration, options), new StorageShards(shards), configuration, options, []);
    }

    private static string AccountOf(StorageAccount account) => account.Blobs.AccountName;

    [Fact]
    public void WithoutShardConnections_EveryShardIsTheMainAccount()
    {
        var accounts = Build(4);

        Assert.All(Enumerable.Range(0, 4), s => Assert.Same(accounts.Main, accounts.For(s)));
        Assert.Single(accounts.Distinct);
        Assert.Equal([0, 1, 2, 3], accounts.Distinct[0].Shards);
    }

    [Fact]
    public void ShardConnection_GivesThatShardItsAccount_AndShardZeroStaysTheMainOne()
    {
        var accounts = Build(3, ("Shard1Storage", Connection("second")));

        Assert.Equal("main", AccountOf(accounts.For(0)));
        Assert.Equal("second", AccountOf(accounts.For(1)));
        Assert.Equal("Shard1Storage", accounts.For(1).ConnectionName);
        Assert.Same(accounts.Main, accounts.For(2));
        Assert.Equal(2, accounts.Distinct.Count);
        Assert.Equal([0, 2], accounts.Distinct[0].Shards);
        Assert.Equal([1], accounts.Distinct[1].Shards);
    }

    [Fact]
    public void ForMessage_IsTheAccountOfTheMessagesShard()
    {
        var accounts = Build(2, ("Shard1Storage", Connection("second")));
        var ids = new MessageIds(new FakeTimeProvider());
        var seen = new HashSet<string>();
        for (var i = 0; i < 64; i++)
        {
            var id = ids.New();
            var account = AccountOf(accounts.ForMessage(id));
            Assert.Equal(accounts.Shards.ShardFor(id) == 1 ? "second" : "main", account);
            seen.Add(account);
        }

        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public void ShardConnectionNamingTheMainAccount_IsTheMainAccount()
    {
        // Infra writes every Shard{n}Storage; without accounts per shard they name the main account's endpoints.
        var accounts = Build(2, ("Shard1Storage", Connection("main")));

        Assert.Same(accounts.Main, accounts.For(1));
        Assert.Single(accounts.Distinct);
    }

    [Fact]
    public void TwoShardsNamingOneAccount_ShareItsClients()
    {
        var accounts = Build(3, ("Shard1Storage", Connection("second")), ("Shard2Storage", Connection("second")));

        Assert.Same(accounts.For(1), accounts.For(2));
        Assert.Equal([1, 2], accounts.Distinct[1].Shards);
        var tables = accounts.PerShard(a => a.Tables.GetTableClient(StorageNames.MessagesTable));
        Assert.Same(tables[1], tables[2]);
        Assert.NotSame(tables[0], tables[1]);
    }

    [Fact]
    public void IdentitySection_IsReadAsForTheMainAccount()
    {
        var accounts = Build(2,
            ("Shard1Storage:blobServiceUri", "https://shardone.blob.core.windows.net"),
            ("Shard1Storage:queueServiceUri", "https://shardone.queue.core.windows.net"),
            ("Shard1Storage:tableServiceUri", "https://shardone.table.core.windows.net"),
            ("Shard1Storage:credential", "managedidentity"),
            ("Shard1Storage:clientId", "00000000-0000-0000-0000-000000000001"));

        Assert.Equal("https://shardone.queue.core.windows.net/", accounts.For(1).Queues.Uri.AbsoluteUri);
        Assert.Equal("https://shardone.table.core.windows.net/", accounts.For(1).Tables.Uri.AbsoluteUri);
    }

    [Fact]
    public void AccountPastTheShardCount_IsRefused_NamingTheSettingAndTheCount()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Build(2, ("Shard3Storage", Connection("third"))));

        var failure = Assert.Single(ex.Failures);
        Assert.Contains("'Shard3Storage'", failure, StringComparison.Ordinal);
        Assert.Contains("Storage:Shards is 2", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void MainAccountPastTheShardCount_IsAllowed()
    {
        var accounts = Build(1, ("Shard5Storage", Connection("main")), ("Shard7Storage", Connection("main")));

        Assert.Single(accounts.Distinct);
    }

    [Fact]
    public void UnusableShardConnection_IsRefused()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [StorageNames.Connection] = Connection("main"),
            ["Shard1Storage:clientId"] = "00000000-0000-0000-0000-000000000001",
        }).Build();

        var failure = Assert.Single(ShardAccounts.Validate(configuration, 2));
        Assert.Contains("Shard1Storage", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Host_FailsAtStart_WhenAShardAccountIsPastTheCount()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [StorageNames.Connection] = Connection("main"),
            ["Storage:Shards"] = "2",
            ["Shard4Storage"] = Connection("fourth"),
        }).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddSmtpFunctionsCore(configuration).BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StorageOptions>>().Value);
        Assert.Contains("Shard4Storage", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StatusAndBlobs_PickTheMessagesShardsAccount()
    {
        var accounts = Build(2, ("Shard1Storage", Connection("second")));
        var status = new StatusStore(accounts);
        var blobs = new MessageBlobs(accounts);
        var queue = new OutboundQueue(accounts);
        var ids = new MessageIds(new FakeTimeProvider());
        for (var i = 0; i < 32; i++)
        {
            var id = ids.New();
            var expected = accounts.Shards.ShardFor(id) == 1 ? "second" : "main";
            Assert.Equal(expected, status.TableFor(id).AccountName);
            Assert.Equal(expected, blobs.ContainerFor(id).AccountName);
            Assert.Equal(expected, queue.ClientForMessage(id).AccountName);
            Assert.Equal(id, MessageBlobs.MessageIdOf(MessageBlobs.NameFor(id, "token")));
        }
    }

    [Fact]
    public void ConnectionNames_AreShardNStorage()
    {
        Assert.Equal("Shard1Storage", ShardAccounts.ConnectionName(1));
        Assert.Equal("Shard7Storage", ShardAccounts.ConnectionName(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardAccounts.ConnectionName(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardAccounts.ConnectionName(StorageShards.MaxShards));
    }
}
