using System.Text.Json.Nodes;

namespace SmtpFunctions.Infra.Tests.Bicep;

/// <summary>
/// The resources a deployment of <c>infra/main.bicep</c> would create, as <c>bicep snapshot</c> predicts them: every
/// module, loop and condition expanded, every value computed except the runtime ones (<c>reference(...)</c>), which
/// stay as ARM expression strings.
/// </summary>
public sealed class Deployment(string scenario, JsonArray resources)
{
    /// <summary>Which parameter set produced it (for messages).</summary>
    public string Scenario { get; } = scenario;

    /// <summary>Every predicted resource.</summary>
    public IReadOnlyList<JsonObject> Resources { get; } = resources.Select(r => r!.AsObject()).ToList();

    /// <summary>Resources of one type (case-insensitive, like ARM).</summary>
    public IReadOnlyList<JsonObject> OfType(string type) =>
        Resources.Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>The one resource of a type; fails if there is none or more than one.</summary>
    public JsonObject One(string type)
    {
        var matches = OfType(type);
        Assert.True(matches.Count == 1, $"{Scenario}: expected one {type}, found {matches.Count}.");
        return matches[0];
    }

    /// <summary>
    /// The vault of a name prefix: <c>kv-smtp-</c> (the app's secrets) or <c>kv-dkim-</c> (registered domains' DKIM keys).
    /// </summary>
    public JsonObject Vault(string prefix)
    {
        var matches = OfType("Microsoft.KeyVault/vaults").Where(v => ((string?)v["name"] ?? "").StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.True(matches.Count == 1, $"{Scenario}: expected one vault named {prefix}…, found {matches.Count}.");
        return matches[0];
    }

    /// <summary>The function app's settings, name to value.</summary>
    public IReadOnlyDictionary<string, string> FunctionAppSettings()
    {
        var site = One("Microsoft.Web/sites");
        return site["properties"]!["siteConfig"]!["appSettings"]!.AsArray()
            .ToDictionary(s => (string)s!["name"]!, s => (string?)s!["value"] ?? "", StringComparer.Ordinal);
    }

    /// <summary>The ingress container's environment, name to (value, secretRef).</summary>
    public IReadOnlyDictionary<string, (string? Value, string? SecretRef)> IngressEnvironment()
    {
        var container = IngressContainer();
        return container["env"]!.AsArray()
            .ToDictionary(e => (string)e!["name"]!, e => ((string?)e!["value"], (string?)e!["secretRef"]), StringComparer.Ordinal);
    }

    /// <summary>Settings of a host (<c>functionapp</c> or <c>ingress</c>); a Key Vault-backed container variable reads <c>secretref:NAME</c>.</summary>
    public IReadOnlyDictionary<string, string> SettingsOf(string host) => host == Options.DeployedHosts.Ingress
        ? IngressEnvironment().ToDictionary(e => e.Key, e => e.Value.Value ?? $"secretref:{e.Value.SecretRef}", StringComparer.Ordinal)
        : FunctionAppSettings();

    /// <summary>The ingress container app's single container.</summary>
    public JsonObject IngressContainer()
    {
        var app = One("Microsoft.App/containerApps");
        var containers = app["properties"]!["template"]!["containers"]!.AsArray();
        Assert.Single(containers);
        return containers[0]!.AsObject();
    }
}
