using System.Text.Json.Nodes;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Infra.Tests.Bicep;

/// <summary>
/// Compiles <c>infra/</c> once for all infra tests and evaluates it with <c>bicep snapshot</c> for four parameter sets:
/// the committed <c>main.parameters.json</c> as azd fills it (defaults), every optional feature switched on (full),
/// the full set again under another deployment name (to show that names do not depend on the run), and the full set
/// with the ingress still disabled (a first deployment, before any secret exists in Key Vault); and the full set with a
/// storage account per shard.
/// </summary>
public sealed class InfraFixture : IAsyncLifetime
{
    /// <summary>Subscription the snapshots pretend to deploy to.</summary>
    public const string SubscriptionId = "00000000-0000-0000-0000-00000000aaaa";

    /// <summary>Principal id the full scenario passes as the deploying user.</summary>
    public const string UserPrincipalId = "11111111-2222-3333-4444-555555555555";

    /// <summary>The full scenario's DKIM keys: (domain, selector, Key Vault secret name).</summary>
    public static readonly IReadOnlyList<(string Domain, string Selector, string SecretName)> DkimKeys =
    [
        ("example.com", "s2026", "dkim-example-com"),
        ("example.org", "mail", "dkim-example-org"),
    ];

    /// <summary>The full scenario's Key Vault-backed setting: key and secret name.</summary>
    public static readonly (string Key, string SecretName) SecretSetting = ("Delivery__SmartHost__Password", "smarthost-password");

    /// <summary>The full scenario's delivery queue shards (parameter <c>storageShards</c>).</summary>
    public const int Shards = 3;

    /// <summary>The full scenario's override of an option default.</summary>
    public static readonly (string Key, string Value) OptionOverride = ("Submission__MaxRecipients", "20");

    /// <summary>Path of <c>infra/</c>.</summary>
    public static string InfraDirectory { get; } = RepositoryPaths.Combine("infra");

    /// <summary><c>main.bicep</c> compiled to an ARM template.</summary>
    public JsonObject Template { get; private set; } = null!;

    /// <summary>The <c>optionDefaults</c> variable of <c>infra/app/options.bicep</c>, as compiled.</summary>
    public JsonObject OptionDefaults { get; private set; } = null!;

    /// <summary>Deployment with the committed parameters file.</summary>
    public Deployment Defaults { get; private set; } = null!;

    /// <summary>Deployment with every optional feature on (ingress enabled, DKIM keys, a Key Vault setting, a deploying user, alert e-mail).</summary>
    public Deployment Full { get; private set; } = null!;

    /// <summary>The full deployment evaluated again under another deployment name.</summary>
    public Deployment FullRedeployed { get; private set; } = null!;

    /// <summary>The full parameters with <c>storageAccountPerShard = true</c>: shards 1 and 2 in accounts of their own.</summary>
    public Deployment PerShard { get; private set; } = null!;

    /// <summary>The full parameters with <c>ingressEnabled = false</c> and no image yet: DKIM keys and secret settings named, none in Key Vault.</summary>
    public Deployment FullDisabled { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var main = Path.Combine(InfraDirectory, "main.bicep");
        Template = JsonNode.Parse(await BicepCli.BuildAsync(main))!.AsObject();
        var options = JsonNode.Parse(await BicepCli.BuildAsync(Path.Combine(InfraDirectory, "app", "options.bicep")))!;
        OptionDefaults = options["variables"]!["optionDefaults"]!.AsObject();

        var azdEnvironment = new Dictionary<string, string>
        {
            ["AZURE_ENV_NAME"] = "smtpdefaults",
            ["AZURE_LOCATION"] = "westeurope",
        };
        var defaults = ParametersFile.ToBicepParam(
            await File.ReadAllTextAsync(Path.Combine(InfraDirectory, "main.parameters.json")), Template, azdEnvironment);
        var full = FullParameters();
        var fullDisabled = full
            .Replace("param ingressEnabled = true", "param ingressEnabled = false", StringComparison.Ordinal)
            .Replace("param ingressImage = 'crsmtpexample.azurecr.io/smtpfunctions/ingress:2026.11.1'", "param ingressImage = ''", StringComparison.Ordinal);

        var snapshots = await Task.WhenAll(
            SnapshotAsync("defaults", defaults, "azd-defaults"),
            SnapshotAsync("full", full, "azd-full"),
            SnapshotAsync("full-redeployed", full, "another-deployment-name"),
            SnapshotAsync("full-disabled", fullDisabled, "azd-full-disabled"),
            SnapshotAsync("per-shard", full + "param storageAccountPerShard = true\n", "azd-per-shard"));
        (Defaults, Full, FullRedeployed, FullDisabled, PerShard) = (snapshots[0], snapshots[1], snapshots[2], snapshots[3], snapshots[4]);
    }

    /// <inheritdoc />
    public Task DisposeAsync() => Task.CompletedTask;

    private static string FullParameters()
    {
        var keys = string.Join("\n", DkimKeys.Select(k =>
            $"  {{\n    domain: {ParametersFile.Quote(k.Domain)}\n    selector: {ParametersFile.Quote(k.Selector)}\n    secretName: {ParametersFile.Quote(k.SecretName)}\n  }}"));
        return $$"""
            param environmentName = 'smtpfull'
            param location = 'swedencentral'
            param principalId = '{{UserPrincipalId}}'
            param principalType = 'User'
            param ingressEnabled = true
            param ingressImage = 'crsmtpexample.azurecr.io/smtpfunctions/ingress:2026.11.1'
            param alertEmail = 'postmaster@example.com'
            param storageShards = {{Shards}}
            param dkimKeys = [
            {{keys}}
            ]
            param keyVaultReferences = {
              {{SecretSetting.Key}}: '{{SecretSetting.SecretName}}'
            }
            param mailOptions = {
              {{OptionOverride.Key}}: '{{OptionOverride.Value}}'
            }

            """;
    }

    private static async Task<Deployment> SnapshotAsync(string scenario, string parameters, string deploymentName)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "snapshots", $"{scenario}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            // A .bicepparam names its template by relative path.
            var template = Path.GetRelativePath(directory, Path.Combine(InfraDirectory, "main.bicep")).Replace('\\', '/');
            var file = Path.Combine(directory, $"{scenario}.bicepparam");
            await File.WriteAllTextAsync(file, $"using '{template}'\n\n{parameters}");

            var (exitCode, output) = await BicepCli.RunAsync(
                "snapshot", file, "--mode", "overwrite",
                "--subscription-id", SubscriptionId,
                "--tenant-id", "00000000-0000-0000-0000-00000000bbbb",
                "--location", "westeurope",
                "--deployment-name", deploymentName);
            var snapshotFile = Path.ChangeExtension(file, ".snapshot.json");
            if (exitCode != 0 || !File.Exists(snapshotFile))
            {
                throw new InvalidOperationException($"bicep snapshot ({scenario}) exited {exitCode}:\n{output}\n{parameters}");
            }

            var snapshot = JsonNode.Parse(await File.ReadAllTextAsync(snapshotFile))!;
            var diagnostics = snapshot["diagnostics"]!.AsArray();
            Assert.True(diagnostics.Count == 0, $"bicep snapshot ({scenario}) reported: {diagnostics.ToJsonString()}");
            return new Deployment(scenario, snapshot["predictedResources"]!.AsArray());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
