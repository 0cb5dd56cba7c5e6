using SmtpFunctions.Core.Storage;
using SmtpFunctions.Infra.Tests.Bicep;
using SmtpFunctions.Infra.Tests.Options;

namespace SmtpFunctions.Infra.Tests;

/// <summary>
/// <c>storageAccountPerShard</c>: off, one account and every <c>Shard{n}Storage</c> naming it; on, an account per shard
/// past 0 holding only its messages' container, table and queues, with the same lifecycle rule and grants, and the
/// shard's settings naming it in both hosts.
/// </summary>
[Collection(InfraCollection.Name)]
public sealed class StorageAccountPerShardTests(InfraFixture infra)
{
    private const string Accounts = "Microsoft.Storage/storageAccounts";
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string StorageQueueDataMessageSender = "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";

    [Fact]
    public void Parameter_IsOffByDefault()
    {
        var parameter = infra.Template["parameters"]!["storageAccountPerShard"]!;

        Assert.Equal("bool", (string?)parameter["type"]);
        Assert.False((bool)parameter["defaultValue"]!);
    }

    [Fact]
    public void Off_OneAccount_AndEveryShardConnectionNamesIt_InBothHosts()
    {
        foreach (var deployment in new[] { infra.Defaults, infra.Full })
        {
            var main = MainAccount(deployment);
            Assert.Single(deployment.OfType(Accounts));
            foreach (var host in new[] { DeployedHosts.FunctionApp, DeployedHosts.Ingress })
            {
                for (var shard = 1; shard < StorageShards.MaxShards; shard++)
                {
                    AssertConnection(deployment, host, shard, main);
                }
            }
        }
    }

    [Fact]
    public void On_EachShardPastZero_HasAnAccountOfItsOwn_HoldingOnlyItsMessagesData()
    {
        var main = MainAccount(infra.PerShard);
        var accounts = infra.PerShard.OfType(Accounts).Select(a => (string)a["name"]!).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(new[] { main }.Concat(Enumerable.Range(1, InfraFixture.Shards - 1).Select(s => $"{main}s{s}")).Order(StringComparer.Ordinal), accounts);
        for (var shard = 1; shard < InfraFixture.Shards; shard++)
        {
            var account = $"{main}s{shard}";
            Assert.Equal(
                new[] { StorageShards.QueueName(shard), StorageShards.PoisonQueueName(shard), StorageShards.PoisonPoisonQueueName(shard) }.Order(StringComparer.Ordinal),
                Names(infra.PerShard, account, "Microsoft.Storage/storageAccounts/queueServices/queues"));
            Assert.Equal([StorageNames.MessagesTable], Names(infra.PerShard, account, "Microsoft.Storage/storageAccounts/tableServices/tables"));
            Assert.Equal([StorageNames.MessagesContainer], Names(infra.PerShard, account, "Microsoft.Storage/storageAccounts/blobServices/containers"));
            Assert.False((bool)infra.PerShard.OfType(Accounts).Single(a => (string)a["name"]! == account)["properties"]!["allowSharedKeyAccess"]!);
        }

        // The main account keeps shard 0's queues and everything that is not a message's, and no other shard's queue.
        Assert.Equal(
            new StorageShards(1).QueueNames().Concat([StorageNames.EventsQueue, StorageNames.EventsPoisonQueue, StorageNames.EventsPoisonPoisonQueue]).Order(StringComparer.Ordinal),
            Names(infra.PerShard, main, "Microsoft.Storage/storageAccounts/queueServices/queues"));
        Assert.Contains(StorageNames.ScheduleTable, Names(infra.PerShard, main, "Microsoft.Storage/storageAccounts/tableServices/tables"));
    }

    [Fact]
    public void On_EveryAccountDeletesOldMessageBlobs_ByTheSameRule()
    {
        var policies = infra.PerShard.OfType("Microsoft.Storage/storageAccounts/managementPolicies");

        Assert.Equal(InfraFixture.Shards, policies.Count);
        var days = policies.Select(p => (int)p["properties"]!["policy"]!["rules"]![0]!["definition"]!["actions"]!["baseBlob"]!["delete"]!["daysAfterModificationGreaterThan"]!).Distinct();
        Assert.Single(days);
    }

    [Fact]
    public void On_ShardConnections_NameTheShardsAccount_WithinTheCount_AndTheMainOnePastIt()
    {
        var main = MainAccount(infra.PerShard);
        foreach (var host in new[] { DeployedHosts.FunctionApp, DeployedHosts.Ingress })
        {
            for (var shard = 1; shard < StorageShards.MaxShards; shard++)
            {
                AssertConnection(infra.PerShard, host, shard, shard < InfraFixture.Shards ? $"{main}s{shard}" : main);
            }
        }
    }

    [Fact]
    public void On_ShardAccounts_GrantTheSameRoles_AsTheMainAccountsMessageData()
    {
        var main = MainAccount(infra.PerShard);
        var app = RoleAssignmentTests.Granted(infra.PerShard, FunctionAppTests.IdentityId(infra.PerShard));
        var ingress = RoleAssignmentTests.Granted(infra.PerShard, FunctionAppTests.IngressIdentityId(infra.PerShard));
        var user = RoleAssignmentTests.Assignments(infra.PerShard).Where(a => a.Principal == InfraFixture.UserPrincipalId).ToList();
        for (var shard = 1; shard < InfraFixture.Shards; shard++)
        {
            var account = AccountId(infra.PerShard, $"{main}s{shard}");
            Assert.Equal(
                new[] { StorageBlobDataOwner, StorageQueueDataContributor, StorageTableDataContributor }.Order(),
                app.Where(a => a.Scope == account).Select(a => a.Role).Order());
            Assert.Equal(
                new[] { StorageBlobDataOwner, StorageQueueDataContributor, StorageTableDataContributor }.Order(),
                user.Where(a => a.Scope == account).Select(a => a.Role).Order());
            var ingressHere = ingress.Where(a => a.Scope.StartsWith(account + "/", StringComparison.Ordinal)).Select(a => (a.Scope[account.Length..], a.Role)).ToList();
            Assert.Contains(($"/blobServices/default/containers/{StorageNames.MessagesContainer}", StorageBlobDataContributor), ingressHere);
            Assert.Contains(($"/queueServices/default/queues/{StorageShards.QueueName(shard)}", StorageQueueDataMessageSender), ingressHere);
            Assert.Contains(($"/tableServices/default/tables/{StorageNames.MessagesTable}", StorageTableDataContributor), ingressHere);
            // The tag writer (its filing tag on the upload), and nothing else: no suppressions, no events, no whole account.
            Assert.Equal(4, ingressHere.Count);
            Assert.DoesNotContain(ingress, a => a.Scope == account);
        }

        // The main account no longer grants the ingress the queues of shards that moved out.
        var mainId = AccountId(infra.PerShard, main);
        Assert.DoesNotContain(ingress, a => a.Scope == $"{mainId}/queueServices/default/queues/{StorageShards.QueueName(1)}");
    }

    private static void AssertConnection(Deployment deployment, string host, int shard, string account)
    {
        var settings = deployment.SettingsOf(host);
        var prefix = ShardAccounts.ConnectionName(shard);
        foreach (var service in new[] { "blob", "queue", "table" })
        {
            // https://{account}.{service}.core.windows.net/ in Azure's public cloud: the same string as the main account's
            // primaryEndpoints, so Core takes a shard connection naming the main account as the main account.
            Assert.Equal($"[format('https://{{0}}.{service}.{{1}}/', '{account}', environment().suffixes.storage)]", settings[$"{prefix}__{service}ServiceUri"]);
        }

        Assert.Equal("managedidentity", settings[$"{prefix}__credential"]);
        Assert.Equal(settings[$"{StorageNames.Connection}__clientId"], settings[$"{prefix}__clientId"]);
    }

    private static string MainAccount(Deployment deployment) =>
        deployment.OfType(Accounts).Select(a => (string)a["name"]!).OrderBy(n => n.Length).First();

    private static string AccountId(Deployment deployment, string name) =>
        (string)deployment.OfType(Accounts).Single(a => (string)a["name"]! == name)["id"]!;

    private static List<string> Names(Deployment deployment, string account, string type) =>
        deployment.OfType(type)
            .Select(r => ((string)r["name"]!).Split('/'))
            .Where(parts => parts[0] == account)
            .Select(parts => parts[^1])
            .Order(StringComparer.Ordinal)
            .ToList();
}
