using SmtpFunctions.Core.Storage;
using System.Text.Json.Nodes;
using SmtpFunctions.Infra.Tests.Bicep;

namespace SmtpFunctions.Infra.Tests;

/// <summary>Role assignments: deterministic names, the data roles the identity needs, the deploying user only on request.</summary>
[Collection(InfraCollection.Name)]
public sealed class RoleAssignmentTests(InfraFixture infra)
{
    private const string RoleAssignment = "Microsoft.Authorization/roleAssignments";
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string StorageQueueDataMessageSender = "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a";
    private const string StorageTableDataReader = "76199698-9eea-4c19-bc75-cec21354c6b6";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string KeyVaultSecretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string AcrPull = "7f951dda-4ed3-4680-a7ca-43fe172d538d";

    [Fact]
    public void Names_AreGuidsOfScopePrincipalAndRole_InTheTemplate()
    {
        var names = RoleAssignmentNames(infra.Template).ToList();

        Assert.NotEmpty(names);
        Assert.All(names, name =>
        {
            Assert.StartsWith("[guid(", name, StringComparison.Ordinal);
            Assert.DoesNotContain("newGuid", name, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("utcNow", name, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("deployment()", name, StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public void Names_AreUnique_AndTheSameOnEveryDeployment()
    {
        var first = infra.Full.OfType(RoleAssignment).Select(r => (string)r["name"]!).ToList();
        var again = infra.FullRedeployed.OfType(RoleAssignment).Select(r => (string)r["name"]!).ToList();

        Assert.All(first, name => Assert.True(Guid.TryParse(name, out _), name));
        Assert.Equal(first.Count, first.Distinct().Count());
        Assert.Equal(first, again);
    }

    [Fact]
    public void Identity_GetsExactlyTheRolesItNeeds_OnTheRightScopes()
    {
        var identity = FunctionAppTests.IdentityId(infra.Defaults);
        var granted = Assignments(infra.Defaults).Where(a => a.Principal.Contains($"reference('{identity}'", StringComparison.Ordinal)).ToList();

        Assert.All(granted, a => Assert.Equal("ServicePrincipal", a.PrincipalType));
        Assert.Equal(
            new[]
            {
                (Scope: Id(infra.Defaults, "Microsoft.Storage/storageAccounts"), Role: StorageBlobDataOwner),
                (Scope: Id(infra.Defaults, "Microsoft.Storage/storageAccounts"), Role: StorageQueueDataContributor),
                (Scope: Id(infra.Defaults, "Microsoft.Storage/storageAccounts"), Role: StorageTableDataContributor),
                // Its Key Vault references; Officer only on the domain key vault: registering a sending domain writes its DKIM keys.
                (Scope: (string)infra.Defaults.Vault("kv-smtp-")["id"]!, Role: KeyVaultSecretsUser),
                (Scope: (string)infra.Defaults.Vault("kv-dkim-")["id"]!, Role: KeyVaultSecretsOfficer),
                (Scope: Id(infra.Defaults, "Microsoft.Insights/components"), Role: MonitoringMetricsPublisher),
                (Scope: Id(infra.Defaults, "Microsoft.ContainerRegistry/registries"), Role: AcrPull),
            }.Order(),
            granted.Select(a => (a.Scope, a.Role)).Order());
    }

    [Fact]
    public void IngressIdentity_GetsOnlyWhatSubmissionNeeds_OnTheNarrowestScopes()
    {
        var account = Id(infra.Full, "Microsoft.Storage/storageAccounts");
        var vault = (string)infra.Full.Vault("kv-smtp-")["id"]!;
        var parameters = infra.Template["parameters"]!;
        var expected = new List<(string Scope, string Role)>
        {
            // Write the MIME (and delete an orphan), send jobs and accepted events, write and read the status rows, read the suppression list.
            ($"{account}/blobServices/default/containers/{StorageNames.MessagesContainer}", StorageBlobDataContributor),
            // The MIME's upload sets the blob index tag that files the message for the sweeper: a role of one data action.
            ($"{account}/blobServices/default/containers/{StorageNames.MessagesContainer}", BlobIndexTagWriter(infra.Full)),
            // The accepted events of what it submits go out beside the jobs.
            ($"{account}/queueServices/default/queues/{StorageNames.EventsQueue}", StorageQueueDataMessageSender),
            ($"{account}/tableServices/default/tables/{StorageNames.MessagesTable}", StorageTableDataContributor),
            ($"{account}/tableServices/default/tables/{StorageNames.SuppressionsTable}", StorageTableDataReader),
            // Its own secrets, one by one: certificate, users file, DKIM keys; not the smart-host password.
            ($"{vault}/secrets/{(string)parameters["ingressCertificateSecretName"]!["defaultValue"]!}", KeyVaultSecretsUser),
            ($"{vault}/secrets/{(string)parameters["ingressUsersSecretName"]!["defaultValue"]!}", KeyVaultSecretsUser),
            // The registered sending domains' keys it signs with: read-only, on the vault that holds nothing else.
            ((string)infra.Full.Vault("kv-dkim-")["id"]!, KeyVaultSecretsUser),
            (Id(infra.Full, "Microsoft.Insights/components"), MonitoringMetricsPublisher),
            (Id(infra.Full, "Microsoft.ContainerRegistry/registries"), AcrPull),
        };
        expected.AddRange(InfraFixture.DkimKeys.Select(k => ($"{vault}/secrets/{k.SecretName}", KeyVaultSecretsUser)));
        // Jobs go to their message's shard: every shard's delivery queue (storageShards of the full scenario), no poison queue.
        expected.AddRange(Enumerable.Range(0, InfraFixture.Shards).Select(s => ($"{account}/queueServices/default/queues/{StorageShards.QueueName(s)}", StorageQueueDataMessageSender)));

        var granted = Granted(infra.Full, FunctionAppTests.IngressIdentityId(infra.Full));

        Assert.All(granted, a => Assert.Equal("ServicePrincipal", a.PrincipalType));
        Assert.Equal(expected.Order(), granted.Select(a => (a.Scope, a.Role)).Order());
        Assert.DoesNotContain(granted, a => a.Scope.EndsWith($"/secrets/{InfraFixture.SecretSetting.SecretName}", StringComparison.Ordinal));
    }

    [Fact]
    public void IngressIdentity_BeforeTheIngressIsEnabled_ReadsNoSecret()
    {
        // The certificate and users secrets may not exist yet, and a grant on a secret needs the secret.
        var granted = Granted(infra.Defaults, FunctionAppTests.IngressIdentityId(infra.Defaults));

        Assert.DoesNotContain(granted, a => a.Role == KeyVaultSecretsUser && !a.Scope.Contains("kv-dkim-", StringComparison.Ordinal));
        Assert.Contains(granted, a => a.Role == StorageBlobDataContributor);
    }

    [Fact]
    public void DeployingUser_IsGrantedDataAccess_OnlyWhenGiven()
    {
        Assert.DoesNotContain(Assignments(infra.Defaults), a => !a.Principal.StartsWith("[reference(", StringComparison.Ordinal));

        var user = Assignments(infra.Full).Where(a => a.Principal == InfraFixture.UserPrincipalId).ToList();
        Assert.All(user, a => Assert.Equal("User", a.PrincipalType));
        var roles = user.Select(a => a.Role).ToHashSet();
        Assert.Superset(new HashSet<string> { StorageBlobDataOwner, StorageQueueDataContributor, StorageTableDataContributor, KeyVaultSecretsOfficer, MonitoringMetricsPublisher }, roles);
    }

    [Fact]
    public void BlobIndexTagWriter_IsACustomRoleOfOneDataAction_AssignableInTheResourceGroupOnly()
    {
        var role = infra.Full.One("Microsoft.Authorization/roleDefinitions");
        var properties = role["properties"]!;
        var permission = Assert.Single(properties["permissions"]!.AsArray())!;

        Assert.Equal("CustomRole", (string)properties["type"]!);
        Assert.Equal(["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/write"], permission["dataActions"]!.AsArray().Select(a => (string)a!));
        Assert.Empty(permission["actions"]!.AsArray());
        var scope = Assert.Single(properties["assignableScopes"]!.AsArray())!;
        Assert.DoesNotContain("/providers/", (string)scope!, StringComparison.Ordinal);
        // Only the ingress holds it, on the messages container.
        var holders = Assignments(infra.Full).Where(a => a.Role == BlobIndexTagWriter(infra.Full)).ToList();
        Assert.Equal($"{Id(infra.Full, "Microsoft.Storage/storageAccounts")}/blobServices/default/containers/{StorageNames.MessagesContainer}", Assert.Single(holders).Scope);
    }

    private static string BlobIndexTagWriter(Deployment deployment) => ((string)deployment.One("Microsoft.Authorization/roleDefinitions")["id"]!).Split('/')[^1];

    private static string Id(Deployment deployment, string type) => (string)deployment.One(type)["id"]!;

    internal static List<(string Scope, string Role, string Principal, string PrincipalType)> Granted(Deployment deployment, string identity) =>
        Assignments(deployment).Where(a => a.Principal.Contains($"reference('{identity}'", StringComparison.Ordinal)).ToList();

    internal static IEnumerable<(string Scope, string Role, string Principal, string PrincipalType)> Assignments(Deployment deployment) =>
        deployment.OfType(RoleAssignment).Select(r =>
        {
            var id = (string)r["id"]!;
            var scope = id[..id.IndexOf("/providers/Microsoft.Authorization/", StringComparison.Ordinal)];
            var properties = r["properties"]!;
            return (scope, ((string)properties["roleDefinitionId"]!).Split('/')[^1], (string)properties["principalId"]!, (string)properties["principalType"]!);
        });

    private static IEnumerable<string> RoleAssignmentNames(JsonObject template)
    {
        var resources = template["resources"]!;
        var items = resources is JsonObject symbolic ? symbolic.Select(p => p.Value!) : resources.AsArray().Select(r => r!);
        foreach (var resource in items)
        {
            var type = (string)resource["type"]!;
            if (type == RoleAssignment)
            {
                yield return (string)resource["name"]!;
            }
            else if (type == "Microsoft.Resources/deployments")
            {
                foreach (var name in RoleAssignmentNames(resource["properties"]!["template"]!.AsObject()))
                {
                    yield return name;
                }
            }
        }
    }
}
