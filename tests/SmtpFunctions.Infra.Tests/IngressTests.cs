using System.Text.Json.Nodes;
using SmtpFunctions.Infra.Tests.Bicep;

namespace SmtpFunctions.Infra.Tests;

/// <summary>The SMTP ingress: external TCP on 587 and 465 from a VNet environment, secrets from Key Vault as files.</summary>
[Collection(InfraCollection.Name)]
public sealed class IngressTests(InfraFixture infra)
{
    [Fact]
    public void Environment_HasItsOwnVNet_AndIsReachableFromOutside()
    {
        var environment = infra.Defaults.One("Microsoft.App/managedEnvironments")["properties"]!;
        var vnet = infra.Defaults.One("Microsoft.Network/virtualNetworks");
        var subnet = vnet["properties"]!["subnets"]!.AsArray().Single()!;
        var subnetId = $"{(string)vnet["id"]!}/subnets/{(string)subnet["name"]!}";

        Assert.Equal(subnetId, (string?)environment["vnetConfiguration"]!["infrastructureSubnetId"]);
        Assert.False((bool)environment["vnetConfiguration"]!["internal"]!);
        Assert.Equal("Microsoft.App/environments", (string?)subnet["properties"]!["delegations"]![0]!["properties"]!["serviceName"]);
        // Logs through Azure Monitor and a diagnostic setting, not with the workspace's shared key.
        Assert.Equal("azure-monitor", (string?)environment["appLogsConfiguration"]!["destination"]);
        Assert.NotEmpty(infra.Defaults.OfType("Microsoft.Insights/diagnosticSettings"));
    }

    [Fact]
    public void App_ListensOnTcp587_And465_FromOutside()
    {
        var ingress = infra.Full.One("Microsoft.App/containerApps")["properties"]!["configuration"]!["ingress"]!;
        Assert.Equal("tcp", (string?)ingress["transport"]);
        Assert.True((bool)ingress["external"]!);
        Assert.Equal(587, (int)ingress["targetPort"]!);
        Assert.Equal(587, (int)ingress["exposedPort"]!);
        var smtps = Assert.Single(ingress["additionalPortMappings"]!.AsArray())!;
        Assert.True((bool)smtps["external"]!);
        Assert.Equal(465, (int)smtps["targetPort"]!);
        Assert.Equal(465, (int)smtps["exposedPort"]!);
    }

    [Fact]
    public void App_WithThePlaceholderImage_TargetsThePortThePlaceholderListensOn()
    {
        // No image yet (the first azd provision): the placeholder is an HTTP sample on port 80, not an SMTP server.
        foreach (var deployment in new[] { infra.Defaults, infra.FullDisabled })
        {
            var app = deployment.One("Microsoft.App/containerApps")["properties"]!;
            var ingress = app["configuration"]!["ingress"]!;
            Assert.Equal("mcr.microsoft.com/k8se/quickstart:latest", (string?)app["template"]!["containers"]![0]!["image"]);
            Assert.Equal(80, (int)ingress["targetPort"]!);
            Assert.Equal(587, (int)ingress["exposedPort"]!);
            Assert.Empty(ingress["additionalPortMappings"]!.AsArray());
        }
    }

    [Fact]
    public void App_RunsAsItsOwnIdentity_NotTheFunctionApps_AndPullsWithIt()
    {
        var app = infra.Full.One("Microsoft.App/containerApps");
        var identity = FunctionAppTests.IngressIdentityId(infra.Full);

        Assert.NotEqual(FunctionAppTests.IdentityId(infra.Full), identity);
        Assert.Equal("UserAssigned", (string?)app["identity"]!["type"]);
        Assert.Equal([identity], app["identity"]!["userAssignedIdentities"]!.AsObject().Select(p => p.Key));
        var registry = Assert.Single(app["properties"]!["configuration"]!["registries"]!.AsArray())!;
        Assert.Equal(identity, (string?)registry["identity"]);
        Assert.False(registry.AsObject().ContainsKey("passwordSecretRef"));
    }

    [Fact]
    public void Replicas_ComeFromTheParameters_WhenEnabled()
    {
        var scale = infra.Full.One("Microsoft.App/containerApps")["properties"]!["template"]!["scale"]!;
        var parameters = infra.Template["parameters"]!;

        Assert.Equal((int)parameters["ingressMinReplicas"]!["defaultValue"]!, (int)scale["minReplicas"]!);
        Assert.Equal((int)parameters["ingressMaxReplicas"]!["defaultValue"]!, (int)scale["maxReplicas"]!);
        Assert.True((int)scale["minReplicas"]! >= 1, "Port 587 must answer without waiting for a replica to start.");
        var rule = Assert.Single(scale["rules"]!.AsArray())!;
        Assert.Equal(
            ((int)parameters["ingressConcurrentConnections"]!["defaultValue"]!).ToString(System.Globalization.CultureInfo.InvariantCulture),
            (string?)rule["tcp"]!["metadata"]!["concurrentConnections"]);
    }

    [Fact]
    public void Disabled_ProvisionsNoKeyVaultSecretsAndNoReplicas()
    {
        // Before the certificate and users exist in Key Vault, provisioning must not depend on them.
        var app = infra.Defaults.One("Microsoft.App/containerApps")["properties"]!;
        Assert.False((bool)infra.Template["parameters"]!["ingressEnabled"]!["defaultValue"]!);
        Assert.Empty(app["configuration"]!["secrets"]!.AsArray());
        Assert.Empty(app["template"]!["volumes"]!.AsArray());
        Assert.Equal(0, (int)app["template"]!["scale"]!["minReplicas"]!);
    }

    [Fact]
    public void Disabled_WithDkimKeysAndSecretSettings_StillAttachesNoKeyVaultSecret()
    {
        // The full parameters name DKIM keys and a Key Vault-backed setting; on a first deployment none exists yet.
        var app = infra.FullDisabled.One("Microsoft.App/containerApps")["properties"]!;
        var environment = app["template"]!["containers"]![0]!["env"]!.AsArray();

        Assert.Empty(app["configuration"]!["secrets"]!.AsArray());
        Assert.DoesNotContain(environment, e => e!.AsObject().ContainsKey("secretRef"));
        Assert.Empty(app["template"]!["volumes"]!.AsArray());
        Assert.Equal(0, (int)app["template"]!["scale"]!["minReplicas"]!);
    }

    [Fact]
    public void Secrets_AreFetchedFromKeyVault_WithTheIdentity_NeverGivenAsValues()
    {
        var identity = FunctionAppTests.IngressIdentityId(infra.Full);
        var vault = (string)infra.Full.Vault("kv-smtp-")["id"]!;
        var secrets = Secrets(infra.Full);

        Assert.NotEmpty(secrets);
        foreach (var secret in secrets.Values)
        {
            Assert.False(secret.ContainsKey("value"), $"Secret {(string?)secret["name"]} carries a value.");
            Assert.Equal(identity, (string?)secret["identity"]);
            FunctionAppTests.AssertReference((string)secret["keyVaultUrl"]!, vault, ".vaultUri");
        }

        for (var i = 0; i < InfraFixture.DkimKeys.Count; i++)
        {
            Assert.EndsWith($", '{InfraFixture.DkimKeys[i].SecretName}')]", (string)secrets[$"dkim-key-{i}"]["keyVaultUrl"]!, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CertificateAndUsers_AreMountedAsFiles_WhereTheSettingsPoint()
    {
        var container = infra.Full.IngressContainer();
        var app = infra.Full.One("Microsoft.App/containerApps")["properties"]!;
        var parameters = infra.Template["parameters"]!;
        var secrets = Secrets(infra.Full);
        var environment = infra.Full.IngressEnvironment();

        var volume = Assert.Single(app["template"]!["volumes"]!.AsArray())!;
        Assert.Equal("Secret", (string?)volume["storageType"]);
        var mount = Assert.Single(container["volumeMounts"]!.AsArray())!;
        Assert.Equal((string?)volume["name"], (string?)mount["volumeName"]);
        var files = volume["secrets"]!.AsArray().ToDictionary(f => (string)f!["secretRef"]!, f => $"{(string)mount["mountPath"]!}/{(string)f!["path"]!}");

        AssertFileFromSecret("Ingress__CertificatePath", (string)parameters["ingressCertificateSecretName"]!["defaultValue"]!);
        AssertFileFromSecret("Ingress__UsersFile", (string)parameters["ingressUsersSecretName"]!["defaultValue"]!);

        void AssertFileFromSecret(string setting, string keyVaultSecret)
        {
            var path = environment[setting].Value;
            var secretName = Assert.Single(files, f => f.Value == path).Key;
            Assert.EndsWith($", '{keyVaultSecret}')]", (string)secrets[secretName]["keyVaultUrl"]!, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void SecretVariables_ReferToDeclaredSecrets()
    {
        var secrets = Secrets(infra.Full);
        var environment = infra.Full.IngressEnvironment();

        for (var i = 0; i < InfraFixture.DkimKeys.Count; i++)
        {
            Assert.Equal(InfraFixture.DkimKeys[i].Domain, environment[$"Dkim__Keys__{i}__Domain"].Value);
            Assert.Equal(InfraFixture.DkimKeys[i].Selector, environment[$"Dkim__Keys__{i}__Selector"].Value);
            Assert.NotNull(environment[$"Dkim__Keys__{i}__PrivateKey"].SecretRef);
        }

        Assert.All(environment.Values.Where(e => e.SecretRef is not null), e => Assert.Contains(e.SecretRef!, secrets.Keys));
        Assert.All(environment.Values, e => Assert.False(e.Value is not null && e.SecretRef is not null));
    }

    [Fact]
    public void Probes_AskTheHealthEndpoint_NotTheSubmissionPort()
    {
        // A TCP probe on 587 opened an SMTP session (greeting, a connection slot, a log line) every few seconds per replica.
        var container = infra.Full.IngressContainer();
        var probes = container["probes"]!.AsArray();
        var healthPort = int.Parse(infra.Full.IngressEnvironment()["Ingress__HealthPort"].Value!, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(["Liveness", "Readiness"], probes.Select(p => (string)p!["type"]!).Order(StringComparer.Ordinal));
        Assert.All(probes, probe =>
        {
            Assert.False(probe!.AsObject().ContainsKey("tcpSocket"));
            Assert.Equal(Ingress.Hosting.IngressHost.HealthPath, (string?)probe["httpGet"]!["path"]);
            Assert.Equal(healthPort, (int)probe["httpGet"]!["port"]!);
        });
        Assert.NotEqual(587, healthPort);
        // The health port is not exposed: the platform probes the replica directly.
        var ingress = infra.Full.One("Microsoft.App/containerApps")["properties"]!["configuration"]!["ingress"]!;
        Assert.DoesNotContain(ingress["additionalPortMappings"]!.AsArray(), m => (int)m!["targetPort"]! == healthPort);
    }

    [Fact]
    public void Storage_AndTelemetry_UseTheIngresssOwnIdentity()
    {
        var environment = infra.Full.IngressEnvironment();
        var functionSettings = infra.Full.FunctionAppSettings();
        var identity = FunctionAppTests.IngressIdentityId(infra.Full);
        foreach (var key in Options.DeployedHosts.PlatformSettings)
        {
            if (key.EndsWith("__clientId", StringComparison.Ordinal) || key == "APPLICATIONINSIGHTS_AUTHENTICATION_STRING")
            {
                FunctionAppTests.AssertReference(environment[key].Value!, identity, ".clientId");
                Assert.DoesNotContain(FunctionAppTests.IdentityId(infra.Full), environment[key].Value!, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(functionSettings[key], environment[key].Value);
            }
        }
    }

    private static Dictionary<string, JsonObject> Secrets(Deployment deployment) =>
        deployment.One("Microsoft.App/containerApps")["properties"]!["configuration"]!["secrets"]!.AsArray()
            .ToDictionary(s => (string)s!["name"]!, s => s!.AsObject());
}
