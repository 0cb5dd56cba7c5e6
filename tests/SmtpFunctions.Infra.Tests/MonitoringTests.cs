using System.Reflection;
using System.Text.Json.Nodes;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.Infra.Tests.Bicep;

namespace SmtpFunctions.Infra.Tests;

/// <summary>Application Insights, the workbook and the alert rules.</summary>
[Collection(InfraCollection.Name)]
public sealed class MonitoringTests(InfraFixture infra)
{
    /// <summary>Every name constant in <see cref="MailMetrics"/> (the meter and each metric).</summary>
    public static IReadOnlyList<string> MetricNames { get; } = typeof(MailMetrics)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToList();

    [Fact]
    public void ApplicationInsights_AcceptsOnlyEntraIdIngestion_IntoTheWorkspace()
    {
        var properties = infra.Defaults.One("Microsoft.Insights/components")["properties"]!;
        Assert.True((bool)properties["DisableLocalAuth"]!);
        Assert.Equal((string)infra.Defaults.One("Microsoft.OperationalInsights/workspaces")["id"]!, (string?)properties["WorkspaceResourceId"]);
    }

    [Fact]
    public void Workbook_ChartsEveryMetric_AndThePoisonQueue()
    {
        var workbook = infra.Defaults.One("Microsoft.Insights/workbooks");
        var properties = workbook["properties"]!;
        var content = JsonNode.Parse((string)properties["serializedData"]!)!;
        var queries = string.Join("\n", Items(content).Select(i => (string?)i["content"]!["query"] ?? ""));

        Assert.True(Guid.TryParse((string)workbook["name"]!, out _));
        Assert.Equal("Notebook/1.0", (string?)content["version"]);
        Assert.Equal((string)infra.Defaults.One("Microsoft.Insights/components")["id"]!, (string?)properties["sourceId"]);
        Assert.All(MetricNames.Where(n => n != MailMetrics.MeterName), metric => Assert.Contains($"name == \"{metric}\"", queries, StringComparison.Ordinal));
        Assert.Contains(MailMetrics.MeterName, content.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains($"name == \"{MailMetrics.DeliveryPoisoned}\"", queries, StringComparison.Ordinal);
    }

    [Fact]
    public void Workbook_QueriesNeverEmbedTheTimeRangeTwice()
    {
        // Each chart takes its time range from the parameter; queries only use its grain for binning.
        var content = JsonNode.Parse((string)infra.Defaults.One("Microsoft.Insights/workbooks")["properties"]!["serializedData"]!)!;
        var queryItems = Items(content).Where(i => (int)i["type"]! == 3).ToList();
        Assert.NotEmpty(queryItems);
        Assert.All(queryItems, i => Assert.Equal("TimeRange", (string?)i["content"]!["timeContextFromParameter"]));
    }

    [Fact]
    public void PoisonQueueAlert_FiresOnAnyJobMovedToThePoisonQueue_FromTheUnsampledMetric()
    {
        var rule = Rule("poison-queue-not-empty");
        var criterion = Criterion(rule);
        var query = (string)criterion["query"]!;

        // customMetrics, never traces: the host's poison warning is a trace, and traces may be sampled away.
        Assert.StartsWith("customMetrics", query, StringComparison.Ordinal);
        Assert.Contains($"name == \"{MailMetrics.DeliveryPoisoned}\"", query, StringComparison.Ordinal);
        Assert.DoesNotContain("traces", query, StringComparison.Ordinal);
        Assert.Equal("Moved", (string?)criterion["metricMeasureColumn"]);
        Assert.Equal("Total", (string?)criterion["timeAggregation"]);
        Assert.Equal("GreaterThan", (string?)criterion["operator"]);
        Assert.Equal(0, (int)criterion["threshold"]!);
    }

    [Fact]
    public void KeyVaultAndStorage_SendTheirLogsToTheWorkspace()
    {
        var workspace = (string)infra.Defaults.One("Microsoft.OperationalInsights/workspaces")["id"]!;
        var vault = (string)infra.Defaults.Vault("kv-smtp-")["id"]!;
        var account = (string)infra.Defaults.One("Microsoft.Storage/storageAccounts")["id"]!;
        var settings = infra.Defaults.OfType("Microsoft.Insights/diagnosticSettings");

        JsonNode SettingOf(string scope) => Assert.Single(settings, s => ((string)s["id"]!).StartsWith(scope + "/providers/Microsoft.Insights/diagnosticSettings/", StringComparison.OrdinalIgnoreCase))["properties"]!;

        var vaultSetting = SettingOf(vault);
        Assert.Equal(workspace, (string?)vaultSetting["workspaceId"]);
        Assert.Equal("audit", (string?)vaultSetting["logs"]![0]!["categoryGroup"]);
        var accountSetting = SettingOf(account);
        Assert.Equal(workspace, (string?)accountSetting["workspaceId"]);
        Assert.Equal("Transaction", (string?)accountSetting["metrics"]![0]!["category"]);
        foreach (var service in new[] { "blobServices", "queueServices", "tableServices" })
        {
            var serviceSetting = SettingOf($"{account}/{service}/default");
            Assert.Equal(workspace, (string?)serviceSetting["workspaceId"]);
            Assert.True((bool)serviceSetting["logs"]![0]!["enabled"]!);
        }
    }

    [Fact]
    public void FailureRateAlert_ComparesFailedDeliveryOutcomes_WithTheThresholdParameter()
    {
        var criterion = Criterion(Rule("delivery-failure-rate"));
        var query = (string)criterion["query"]!;

        Assert.Contains($"name == \"{MailMetrics.DeliveryAttempts}\"", query, StringComparison.Ordinal);
        Assert.Contains("\"failed\"", query, StringComparison.Ordinal);
        Assert.Contains($"Total >= {(int)infra.Template["parameters"]!["failureRateMinimumAttempts"]!["defaultValue"]!}", query, StringComparison.Ordinal);
        Assert.Equal("FailureRate", (string?)criterion["metricMeasureColumn"]);
        Assert.Equal((int)infra.Template["parameters"]!["failureRateThresholdPercent"]!["defaultValue"]!, (int)criterion["threshold"]!);
    }

    [Fact]
    public void FunctionErrorsAlert_WatchesTheFunctionApp()
    {
        var criterion = Criterion(Rule("function-errors"));
        var functionApp = (string)infra.Defaults.One("Microsoft.Web/sites")["name"]!;

        Assert.Contains($"cloud_RoleName =~ \"{functionApp}\"", (string)criterion["query"]!, StringComparison.Ordinal);
        Assert.Contains("success == false", (string)criterion["query"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void IngressAlerts_WatchReplicasAndRestarts_OnceTheIngressIsEnabled()
    {
        var app = (string)infra.Full.One("Microsoft.App/containerApps")["id"]!;
        var down = MetricAlert(infra.Full, "ingress-down");
        var restarts = MetricAlert(infra.Full, "ingress-restarts");

        Assert.Equal([app], down["properties"]!["scopes"]!.AsArray().Select(s => (string)s!));
        Assert.Equal("Replicas", (string?)down["properties"]!["criteria"]!["allOf"]![0]!["metricName"]);
        Assert.Equal("LessThan", (string?)down["properties"]!["criteria"]!["allOf"]![0]!["operator"]);
        Assert.Equal("RestartCount", (string?)restarts["properties"]!["criteria"]!["allOf"]![0]!["metricName"]);
        Assert.True((bool)down["properties"]!["enabled"]!);
        Assert.False((bool)MetricAlert(infra.Defaults, "ingress-down")["properties"]!["enabled"]!);
    }

    [Fact]
    public void EveryAlert_NotifiesTheActionGroup_ThatEmailsWhenAsked()
    {
        foreach (var deployment in new[] { infra.Defaults, infra.Full })
        {
            var group = (string)deployment.One("Microsoft.Insights/actionGroups")["id"]!;
            Assert.Equal(3, deployment.OfType("Microsoft.Insights/scheduledQueryRules").Count);
            Assert.Equal(2, deployment.OfType("Microsoft.Insights/metricAlerts").Count);
            Assert.All(deployment.OfType("Microsoft.Insights/scheduledQueryRules"), r => Assert.Equal([group], r["properties"]!["actions"]!["actionGroups"]!.AsArray().Select(a => (string)a!)));
            Assert.All(deployment.OfType("Microsoft.Insights/metricAlerts"), r => Assert.Equal([group], r["properties"]!["actions"]!.AsArray().Select(a => (string)a!["actionGroupId"]!)));
        }

        Assert.Empty(infra.Defaults.One("Microsoft.Insights/actionGroups")["properties"]!["emailReceivers"]!.AsArray());
        var receiver = Assert.Single(infra.Full.One("Microsoft.Insights/actionGroups")["properties"]!["emailReceivers"]!.AsArray())!;
        Assert.Equal("postmaster@example.com", (string?)receiver["emailAddress"]);
    }

    private JsonObject Rule(string suffix) =>
        Assert.Single(infra.Defaults.OfType("Microsoft.Insights/scheduledQueryRules"), r => ((string)r["name"]!).EndsWith(suffix, StringComparison.Ordinal));

    private static JsonObject MetricAlert(Deployment deployment, string suffix) =>
        Assert.Single(deployment.OfType("Microsoft.Insights/metricAlerts"), r => ((string)r["name"]!).EndsWith(suffix, StringComparison.Ordinal));

    private JsonNode Criterion(JsonObject rule)
    {
        Assert.True((bool)rule["properties"]!["enabled"]!);
        Assert.Equal([(string)infra.Defaults.One("Microsoft.Insights/components")["id"]!], rule["properties"]!["scopes"]!.AsArray().Select(s => (string)s!));
        return Assert.Single(rule["properties"]!["criteria"]!["allOf"]!.AsArray())!;
    }

    private static IEnumerable<JsonNode> Items(JsonNode content) => content["items"]!.AsArray().Select(i => i!);
}
