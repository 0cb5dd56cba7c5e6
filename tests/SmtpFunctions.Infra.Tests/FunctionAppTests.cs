using SmtpFunctions.Core.Storage;
using SmtpFunctions.Infra.Tests.Bicep;

namespace SmtpFunctions.Infra.Tests;

/// <summary>The function app: Flex Consumption, .NET isolated 10, the managed identity for storage, telemetry and secrets.</summary>
[Collection(InfraCollection.Name)]
public sealed class FunctionAppTests(InfraFixture infra)
{
    [Fact]
    public void Plan_IsFlexConsumption()
    {
        var plan = infra.Defaults.One("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", (string?)plan["sku"]!["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]!["tier"]);
        Assert.True((bool)plan["properties"]!["reserved"]!);
    }

    [Fact]
    public void App_RunsDotnetIsolated10_AsTheUserAssignedIdentity()
    {
        var site = infra.Defaults.One("Microsoft.Web/sites");
        var config = site["properties"]!["functionAppConfig"]!;

        Assert.Equal("functionapp,linux", (string?)site["kind"]);
        Assert.Equal("dotnet-isolated", (string?)config["runtime"]!["name"]);
        Assert.Equal("10.0", (string?)config["runtime"]!["version"]);
        Assert.Equal("UserAssigned", (string?)site["identity"]!["type"]);
        Assert.Equal([IdentityId(infra.Defaults)], site["identity"]!["userAssignedIdentities"]!.AsObject().Select(p => p.Key));
        Assert.True((bool)site["properties"]!["httpsOnly"]!);
    }

    [Fact]
    public void Scale_ComesFromTheParameters()
    {
        var scale = infra.Defaults.One("Microsoft.Web/sites")["properties"]!["functionAppConfig"]!["scaleAndConcurrency"]!;
        var parameters = infra.Template["parameters"]!;

        Assert.Equal((int)parameters["functionMaximumInstanceCount"]!["defaultValue"]!, (int)scale["maximumInstanceCount"]!);
        Assert.Equal((int)parameters["functionInstanceMemoryMB"]!["defaultValue"]!, (int)scale["instanceMemoryMB"]!);
        Assert.Equal((int)parameters["functionHttpPerInstanceConcurrency"]!["defaultValue"]!, (int)scale["triggers"]!["http"]!["perInstanceConcurrency"]!);
    }

    [Fact]
    public void DeploymentPackage_IsPulledWithTheIdentity()
    {
        var storage = infra.Defaults.One("Microsoft.Web/sites")["properties"]!["functionAppConfig"]!["deployment"]!["storage"]!;
        Assert.Equal("blobContainer", (string?)storage["type"]);
        Assert.Equal("UserAssignedIdentity", (string?)storage["authentication"]!["type"]);
        Assert.Equal(IdentityId(infra.Defaults), (string?)storage["authentication"]!["userAssignedIdentityResourceId"]);
        Assert.NotEmpty(StorageTests.DeploymentPackageContainer(infra.Defaults));
    }

    [Fact]
    public void Storage_IsReachedWithTheIdentity_NeverAConnectionString()
    {
        var settings = infra.Defaults.FunctionAppSettings();
        var account = infra.Defaults.One("Microsoft.Storage/storageAccounts");
        var prefix = StorageNames.Connection;

        Assert.False(settings.ContainsKey(prefix), $"{prefix} as a connection string would carry a key.");
        Assert.Equal("managedidentity", settings[$"{prefix}__credential"]);
        AssertReference(settings[$"{prefix}__clientId"], IdentityId(infra.Defaults), ".clientId");
        AssertReference(settings[$"{prefix}__blobServiceUri"], (string)account["id"]!, ".primaryEndpoints.blob");
        AssertReference(settings[$"{prefix}__queueServiceUri"], (string)account["id"]!, ".primaryEndpoints.queue");
        AssertReference(settings[$"{prefix}__tableServiceUri"], (string)account["id"]!, ".primaryEndpoints.table");
    }

    [Fact]
    public void ShardTriggers_NameTheirQueues_AndOnlyThoseWithinTheShardCountRun()
    {
        foreach (var (deployment, shards) in new[] { (infra.Defaults, 1), (infra.Full, InfraFixture.Shards) })
        {
            var settings = deployment.FunctionAppSettings();
            for (var shard = 1; shard < StorageShards.MaxShards; shard++)
            {
                Assert.Equal(StorageShards.QueueName(shard), settings[SmtpFunctions.FunctionApp.ShardQueueSettings.QueueSetting(shard)]);
                Assert.Equal(StorageShards.PoisonQueueName(shard), settings[SmtpFunctions.FunctionApp.ShardQueueSettings.PoisonQueueSetting(shard)]);
                var disabled = shard >= shards ? "true" : "false";
                Assert.Equal(disabled, settings[$"AzureWebJobs.{SmtpFunctions.FunctionApp.ShardQueueSettings.DeliverFunction(shard)}.Disabled"]);
                Assert.Equal(disabled, settings[$"AzureWebJobs.{SmtpFunctions.FunctionApp.ShardQueueSettings.RedriveFunction(shard)}.Disabled"]);
            }
        }
    }

    [Fact]
    public void ApplicationInsights_IsFedWithEntraIdAuthentication()
    {
        var settings = infra.Defaults.FunctionAppSettings();
        var component = infra.Defaults.One("Microsoft.Insights/components");

        AssertReference(settings["APPLICATIONINSIGHTS_CONNECTION_STRING"], (string)component["id"]!, ".ConnectionString");
        var authentication = settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];
        Assert.StartsWith("[format('Authorization=AAD;ClientId={0}', reference('", authentication, StringComparison.Ordinal);
        AssertReference(authentication, IdentityId(infra.Defaults), ".clientId");
    }

    [Fact]
    public void Secrets_AreKeyVaultReferences_ResolvedWithTheIdentity()
    {
        var site = infra.Full.One("Microsoft.Web/sites");
        var settings = infra.Full.FunctionAppSettings();
        var vault = (string)infra.Full.Vault("kv-smtp-")["id"]!;

        Assert.Equal(IdentityId(infra.Full), (string?)site["properties"]!["keyVaultReferenceIdentity"]);
        for (var i = 0; i < InfraFixture.DkimKeys.Count; i++)
        {
            var (domain, selector, secretName) = InfraFixture.DkimKeys[i];
            Assert.Equal(domain, settings[$"Dkim__Keys__{i}__Domain"]);
            Assert.Equal(selector, settings[$"Dkim__Keys__{i}__Selector"]);
            AssertKeyVaultReference(settings[$"Dkim__Keys__{i}__PrivateKey"], vault, secretName);
        }

        AssertKeyVaultReference(settings[InfraFixture.SecretSetting.Key], vault, InfraFixture.SecretSetting.SecretName);
    }

    [Fact]
    public void BasicAuthPublishing_IsOff()
    {
        var policies = infra.Defaults.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies");
        Assert.Equal(["ftp", "scm"], policies.Select(p => ((string)p["name"]!).Split('/')[^1]).Order());
        Assert.All(policies, p => Assert.False((bool)p["properties"]!["allow"]!));
    }

    /// <summary>The function app's identity (<c>id-smtp-…</c>).</summary>
    internal static string IdentityId(Deployment deployment) => Identity(deployment, ingress: false);

    /// <summary>The ingress's own identity (<c>id-smtp-ingress-…</c>).</summary>
    internal static string IngressIdentityId(Deployment deployment) => Identity(deployment, ingress: true);

    private static string Identity(Deployment deployment, bool ingress)
    {
        var identities = deployment.OfType("Microsoft.ManagedIdentity/userAssignedIdentities");
        Assert.Equal(2, identities.Count);
        return (string)Assert.Single(identities, i => ((string)i["name"]!).StartsWith("id-smtp-ingress-", StringComparison.Ordinal) == ingress)["id"]!;
    }

    internal static void AssertReference(string value, string resourceId, string property)
    {
        // A runtime value stays an ARM expression in the snapshot: reference('<resource id>', '<api>').<property>.
        Assert.Contains($"reference('{resourceId}'", value, StringComparison.Ordinal);
        Assert.Contains(property, value, StringComparison.Ordinal);
    }

    private static void AssertKeyVaultReference(string value, string vaultId, string secretName)
    {
        Assert.StartsWith("[format('@Microsoft.KeyVault(SecretUri={0}secrets/{1})', ", value, StringComparison.Ordinal);
        AssertReference(value, vaultId, ".vaultUri");
        Assert.EndsWith($", '{secretName}')]", value, StringComparison.Ordinal);
    }
}
