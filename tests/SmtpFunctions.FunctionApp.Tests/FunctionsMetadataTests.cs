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
        ["DeleteDomain", "DeleteSuppression", "DeleteSuppressionByQuery", "DeliverMessage", "GetDomain", "GetMessage", "GetOpenApiDocument", "GetSuppression", "ListDomains", "ListSuppressions", "RedrivePoisonedJob", "RegisterDomain", "SubmitMessage", "SweepMessages", "VerifyDomain"];

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
    public void Metadata_RedrivePoisonedJob_IsQueueTriggerOnThePoisonQueue()
    {
        var trigger = Trigger(ReadMetadata(OutputDirectory)["RedrivePoisonedJob"]);

        Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(SmtpFunctions.Core.Storage.StorageNames.OutboundPoisonQueue, trigger.GetProperty("queueName").GetString());
        Assert.Equal(SmtpFunctions.Core.Storage.StorageNames.Connection, trigger.GetProperty("connection").GetString());
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
