using System.Reflection;
using System.Text.Json.Nodes;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Infra.Tests.Bicep;

namespace SmtpFunctions.Infra.Tests;

/// <summary>The storage account: identity-only access, and exactly the queues, tables and containers the code uses.</summary>
[Collection(InfraCollection.Name)]
public sealed class StorageTests(InfraFixture infra)
{
    private static readonly string[] NameKinds = ["Queue", "Table", "Container"];

    [Fact]
    public void Account_RefusesSharedKeysAndPublicBlobs_AndRequiresTls12()
    {
        foreach (var deployment in new[] { infra.Defaults, infra.Full })
        {
            var properties = deployment.One("Microsoft.Storage/storageAccounts")["properties"]!;
            Assert.False((bool)properties["allowSharedKeyAccess"]!);
            Assert.False((bool)properties["allowBlobPublicAccess"]!);
            Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
            Assert.True((bool)properties["supportsHttpsTrafficOnly"]!);
            Assert.True((bool)properties["defaultToOAuthAuthentication"]!);
        }
    }

    [Fact]
    public void Template_NeverAsksForAKeyOrAConnectionString()
    {
        var text = infra.Template.ToJsonString();
        foreach (var forbidden in new[] { "listKeys", "listConnectionStrings", "listAccountSas", "listServiceSas", "AccountKey=", "SharedAccessSignature", "primarySharedKey", "InstrumentationKey=" })
        {
            Assert.DoesNotContain(forbidden, text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Queues_AreTheOnesTheCodeNames()
    {
        Assert.Equal(CodeNames("Queue"), Names(infra.Defaults, "Microsoft.Storage/storageAccounts/queueServices/queues"));
    }

    [Fact]
    public void Queues_WithShards_AreEveryShardsQueues_AsStorageShardsNamesThem()
    {
        Assert.Equal(
            new StorageShards(InfraFixture.Shards).QueueNames()
                .Concat([StorageNames.EventsQueue, StorageNames.EventsPoisonQueue, StorageNames.EventsPoisonPoisonQueue])
                .Order(StringComparer.Ordinal),
            Names(infra.Full, "Microsoft.Storage/storageAccounts/queueServices/queues"));
    }

    [Fact]
    public void Shards_AndRetention_FollowTheParameters_InBothHosts()
    {
        var retention = (int)infra.Template["parameters"]!["messageRetentionDays"]!["defaultValue"]!;
        foreach (var host in new[] { Options.DeployedHosts.FunctionApp, Options.DeployedHosts.Ingress })
        {
            Assert.Equal("1", infra.Defaults.SettingsOf(host)["Storage__Shards"]);
            Assert.Equal(InfraFixture.Shards.ToString(System.Globalization.CultureInfo.InvariantCulture), infra.Full.SettingsOf(host)["Storage__Shards"]);
            Assert.Equal(TimeSpan.FromDays(retention), TimeSpan.Parse(infra.Defaults.SettingsOf(host)["Storage__Retention"], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Tables_AreTheOnesTheCodeNames()
    {
        Assert.Equal(CodeNames("Table"), Names(infra.Defaults, "Microsoft.Storage/storageAccounts/tableServices/tables"));
    }

    [Fact]
    public void Containers_AreTheOnesTheCodeNames_PlusTheDeploymentPackage()
    {
        var containers = Names(infra.Defaults, "Microsoft.Storage/storageAccounts/blobServices/containers");
        var packageContainer = DeploymentPackageContainer(infra.Defaults);

        Assert.Contains(packageContainer, containers);
        Assert.Equal(CodeNames("Container"), containers.Where(c => c != packageContainer).ToList());
        foreach (var container in infra.Defaults.OfType("Microsoft.Storage/storageAccounts/blobServices/containers"))
        {
            Assert.Equal("None", (string?)container["properties"]!["publicAccess"]);
        }
    }

    [Fact]
    public void StorageNames_AreAllClassified()
    {
        // A new constant must say what it names (suffix Queue, Table or Container) so the checks above cover it.
        var unclassified = NameConstants()
            .Where(f => f.Name != nameof(StorageNames.Connection) && !NameKinds.Any(s => f.Name.EndsWith(s, StringComparison.Ordinal)))
            .Select(f => f.Name)
            .ToList();
        Assert.Empty(unclassified);
    }

    [Fact]
    public void Lifecycle_DeletesMessageBlobs_AfterTheRetentionParameter()
    {
        var retention = (int)infra.Template["parameters"]!["messageRetentionDays"]!["defaultValue"]!;
        var rules = infra.Defaults.One("Microsoft.Storage/storageAccounts/managementPolicies")["properties"]!["policy"]!["rules"]!.AsArray();
        var rule = Assert.Single(rules)!;
        var definition = rule["definition"]!;

        Assert.True((bool)rule["enabled"]!);
        Assert.Equal([$"{StorageNames.MessagesContainer}/"], definition["filters"]!["prefixMatch"]!.AsArray().Select(p => (string)p!));
        Assert.Equal(retention, (int)definition["actions"]!["baseBlob"]!["delete"]!["daysAfterModificationGreaterThan"]!);
        // Longer than the 5-day delivery lifetime: a retry never finds its message gone.
        Assert.True(retention > 5);
        Assert.True((int)infra.Template["parameters"]!["messageRetentionDays"]!["minValue"]! > 5);
    }

    private static List<string> CodeNames(string suffix) =>
        NameConstants().Where(f => f.Name.EndsWith(suffix, StringComparison.Ordinal)).Select(f => (string)f.GetRawConstantValue()!).Distinct().Order(StringComparer.Ordinal).ToList();

    private static IEnumerable<FieldInfo> NameConstants() =>
        typeof(StorageNames).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.FieldType == typeof(string));

    private static List<string> Names(Deployment deployment, string type) =>
        deployment.OfType(type).Select(r => ((string)r["name"]!).Split('/')[^1]).Order(StringComparer.Ordinal).ToList();

    internal static string DeploymentPackageContainer(Deployment deployment)
    {
        // value is "[format('{0}{1}', reference(<account>).primaryEndpoints.blob, '<container>')]".
        var value = (string)deployment.One("Microsoft.Web/sites")["properties"]!["functionAppConfig"]!["deployment"]!["storage"]!["value"]!;
        Assert.Contains("primaryEndpoints.blob", value, StringComparison.Ordinal);
        return value.Split('\'')[^2];
    }
}
