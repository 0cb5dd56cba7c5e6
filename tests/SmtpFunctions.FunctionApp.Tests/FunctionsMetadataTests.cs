using System.Reflection;
using System.Text.Json;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.FunctionApp.Tests;

/// <summary>The function app's build output declares exactly the functions, triggers and settings the design says.</summary>
public class FunctionsMetadataTests
{
    private static readonly string Configuration =
        typeof(FunctionsMetadataTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;

    private static readonly string[] FunctionNames =
        [.. new[] { "AddSuppression", "CreateKey", "CreateWebhook", "DeleteDomain", "DeleteSuppression", "DeleteSuppressionByQuery", "DeleteWebhook", "DeliverMessage", "DispatchEvents", "GetDomain", "GetMessage", "GetOpenApiDocument", "GetSuppression", "GetWebhook", "ListDomains", "ListKeys", "ListSuppressions", "ListWebhooks", "RedrivePoisonedEvent", "RedrivePoisonedJob", "RegisterDomain", "ReplayWebhook", "RevokeKey", "SubmitMessage", "SweepMessages", "VerifyDomain" }
            .Concat(Enumerable.Range(1, SmtpFunctions.Core.Storage.StorageShards.MaxShards - 1).SelectMany(s => new[] { $"DeliverMessageShard{s}", $"RedrivePoisonedJobShard{s}" }))
            .Order()];

    private static string OutputDirectory => RepositoryPaths.Combine("functions", "SmtpFunctions.FunctionApp", "bin", Configuration, "net10.0");

    [Fact]
    public void Metadata_DeclaresEveryFunction()
    {
        var functions = ReadMetadata(OutputDirectory);

        Assert.Equal(FunctionNames, functions.Keys.Order().ToArray());
        Assert.All(functions.Values, f =>
        {
            Assert.Equal("dotnet-isolated", f.GetProperty("language").GetString());
            Assert.Equal("SmtpFunctions.FunctionApp.dll", f.GetProperty("scriptFile").GetString());
        });
    }

    [Theory]
    [InlineData("SubmitMessage", "post", "messages")]
    [InlineData("GetMessage", "get", "messages/{id}")]
    [InlineData("ListSuppressions", "get", "suppressions")]
    [InlineData("GetSuppression", "get", "suppressions/{address}")]
    [InlineData("DeleteSuppression", "delete", "suppressions/{address}")]
    [InlineData("DeleteSuppressionByQuery", "delete", "suppressions")]
    [InlineData("AddSuppression", "post", "suppressions")]
    [InlineData("CreateKey", "post", "keys")]
    [InlineData("ListKeys", "get", "keys")]
    [InlineData("RevokeKey", "delete", "keys/{id}")]
    [InlineData("CreateWebhook", "post", "webhooks")]
    [InlineData("ListWebhooks", "get", "webhooks")]
    [InlineData("GetWebhook", "get", "webhooks/{id}")]
    [InlineData("DeleteWebhook", "delete", "webhooks/{id}")]
    [InlineData("ReplayWebhook", "post", "webhooks/{id}/replay")]
    [InlineData("ListDomains", "get", "domains")]
    [InlineData("RegisterDomain", "post", "domains")]
    [InlineData("GetDomain", "get", "domains/{domain}")]
    [InlineData("DeleteDomain", "delete", "domains/{domain}")]
    [InlineData("VerifyDomain", "post", "domains/{domain}/verify")]
    public void Metadata_HttpTriggers_HaveRouteMethodAndFunctionAuth(string name, string method, string route)
    {
        var trigger = Trigger(ReadMetadata(OutputDirectory)[name]);

        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("Function", trigger.GetProperty("authLevel").GetString());
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!).ToArray());
        Assert.Equal(route, trigger.GetProperty("route").GetString());
    }

    [Fact]
    public void Metadata_OpenApiDocument_IsAnonymousGet()
    {
        var trigger = Trigger(ReadMetadata(OutputDirectory)["GetOpenApiDocument"]);

        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString());
        Assert.Equal(["get"], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!).ToArray());
        Assert.Equal("openapi.json", trigger.GetProperty("route").GetString());
    }

    [Fact]
    public void Metadata_DeliverMessage_IsQueueTriggerOnOutbound()
    {
        var trigger = Trigger(ReadMetadata(OutputDirectory)["DeliverMessage"]);

        Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(SmtpFunctions.Core.Storage.StorageNames.OutboundQueue, trigger.GetProperty("queueName").GetString());
        Assert.Equal(SmtpFunctions.Core.Storage.StorageNames.Connection, trigger.GetProperty("connection").GetString());
    }

    [Fact]
    public void Metadata_DispatchEvents_IsQueueTriggerOnEvents()
    {
        var trigger = Trigger(ReadMetadata(OutputDirectory)["DispatchEvents"]);

        Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(SmtpFunctions.Core.Storage.StorageNames.EventsQueue, trigger.GetProperty("queueName").GetString());
        Assert.Equal(SmtpFunctions.Core.Storage.StorageNames.Connection, trigger.GetProperty("connection").GetString());
    }

    [Fact]
    public void Metadata_RedrivePoisonedEvent_IsQueueTriggerOnEventsPoison()
    {
        var trigger = Trigger(ReadMetadata(OutputDirectory)["RedrivePoisonedEvent"]);

        Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(SmtpFunctions.Core.Storage.StorageNames.EventsPoisonQueue, trigger.GetProperty("queueName").GetString());
        Assert.Equal(SmtpFunctions.Core.Storage.StorageNames.Connection, trigger.GetProperty("connection").GetString());
    }

    [Fact]
    public void Metadata_RedrivePoisonedJob_IsQueueTriggerOnThePoisonQueue()
    {
        var trigger = Trigger(ReadMetadata(OutputDirectory)["RedrivePoisonedJob"]);

        Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(SmtpFunctions.Core.Storage.StorageNames.OutboundPoisonQueue, trigger.GetProperty("queueName").GetString());
        Assert.Equal(SmtpFunctions.Core.Storage.StorageNames.Connection, trigger.GetProperty("connection").GetString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void Metadata_ShardTriggers_AreQueueTriggersOnTheirShardsQueueSettings(int shard)
    {
        var metadata = ReadMetadata(OutputDirectory);
        var deliver = Trigger(metadata[ShardQueueSettings.DeliverFunction(shard)]);
        var redrive = Trigger(metadata[ShardQueueSettings.RedriveFunction(shard)]);

        Assert.Equal("queueTrigger", deliver.GetProperty("type").GetString());
        Assert.Equal($"%{ShardQueueSettings.QueueSetting(shard)}%", deliver.GetProperty("queueName").GetString());
        // Each shard's own connection (its account's, or the main one's), as Core's ShardAccounts reads it.
        Assert.Equal($"Shard{shard}Storage", deliver.GetProperty("connection").GetString());
        Assert.Equal(SmtpFunctions.Core.Storage.ShardAccounts.ConnectionName(shard), deliver.GetProperty("connection").GetString());
        Assert.Equal("queueTrigger", redrive.GetProperty("type").GetString());
        Assert.Equal($"%{ShardQueueSettings.PoisonQueueSetting(shard)}%", redrive.GetProperty("queueName").GetString());
        Assert.Equal($"Shard{shard}Storage", redrive.GetProperty("connection").GetString());
    }

    [Fact]
    public void LocalSettings_NameEveryShardsQueues_AndDisableShardsPastOne()
    {
        // func start resolves %ShardNQueue% from local.settings.json: a missing one stops the host indexing the functions.
        var values = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Combine("functions", "SmtpFunctions.FunctionApp", "local.settings.json")))
            .RootElement.GetProperty("Values");
        for (var shard = 1; shard < SmtpFunctions.Core.Storage.StorageShards.MaxShards; shard++)
        {
            Assert.Equal(SmtpFunctions.Core.Storage.StorageShards.QueueName(shard), values.GetProperty(ShardQueueSettings.QueueSetting(shard)).GetString());
            Assert.Equal(SmtpFunctions.Core.Storage.StorageShards.PoisonQueueName(shard), values.GetProperty(ShardQueueSettings.PoisonQueueSetting(shard)).GetString());
            Assert.Equal("true", values.GetProperty($"AzureWebJobs.{ShardQueueSettings.DeliverFunction(shard)}.Disabled").GetString());
            Assert.Equal("true", values.GetProperty($"AzureWebJobs.{ShardQueueSettings.RedriveFunction(shard)}.Disabled").GetString());
            // The triggers bind through the shard's connection, which must exist even for a disabled trigger; locally it
            // is the main account (Azurite), which ShardAccounts takes as one account.
            Assert.Equal(values.GetProperty(SmtpFunctions.Core.Storage.StorageNames.Connection).GetString(), values.GetProperty(ShardQueueSettings.ConnectionSetting(shard)).GetString());
        }
    }

    [Fact]
    public void Metadata_SweepMessages_IsATimerEveryMinute_ThatMakesUpMissedRuns()
    {
        // The timer trigger is built into the Functions host: it needs no entry in extensions.json, only this binding.
        var trigger = Trigger(ReadMetadata(OutputDirectory)["SweepMessages"]);

        Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("0 * * * * *", trigger.GetProperty("schedule").GetString());
        Assert.True(trigger.GetProperty("useMonitor").GetBoolean());
        Assert.False(trigger.TryGetProperty("runOnStartup", out var onStartup) && onStartup.GetBoolean(), "RunOnStartup sweeps at every host restart; the monitor already makes up missed runs");
    }

    [Fact]
    public void Output_HasRootHostJsonAndTheStorageExtension()
    {
        AssertHostJsonAndExtensions(OutputDirectory);
    }

    [Fact]
    public async Task PublishOutput_HasHostJsonMetadataAndExtensions()
    {
        var folder = Path.Combine(Path.GetTempPath(), "smtpfunctions-publish-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            // --no-build: the project reference built the function app before this test ran; building it again here
            // would race every other test project that builds or loads it in parallel.
            var (exitCode, output) = await ChildProcess.RunAsync("dotnet",
                ["publish", RepositoryPaths.Combine("functions", "SmtpFunctions.FunctionApp"), "-c", Configuration, "-o", folder, "--no-build", "--nologo"],
                TimeSpan.FromMinutes(5));
            Assert.True(exitCode == 0, output);

            Assert.Equal(FunctionNames, ReadMetadata(folder).Keys.Order().ToArray());
            AssertHostJsonAndExtensions(folder);
            Assert.False(File.Exists(Path.Combine(folder, "local.settings.json")), "local settings must not be published");
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static void AssertHostJsonAndExtensions(string folder)
    {
        Assert.Equal(File.ReadAllText(RepositoryPaths.Combine("host.json")), File.ReadAllText(Path.Combine(folder, "host.json")));
        using var extensions = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "extensions.json")));
        var names = extensions.RootElement.GetProperty("extensions").EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToList();
        Assert.Contains("AzureStorageQueues", names);
        Assert.True(File.Exists(Path.Combine(folder, "worker.config.json")));
    }

    private static Dictionary<string, JsonElement> ReadMetadata(string folder)
    {
        var path = Path.Combine(folder, "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing; build the function app first");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.Clone());
    }

    private static JsonElement Trigger(JsonElement function) =>
        function.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
}
