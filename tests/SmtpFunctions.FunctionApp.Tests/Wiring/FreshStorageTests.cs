using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.FunctionApp.Storage;
using SmtpFunctions.Testing.Azurite;

namespace SmtpFunctions.FunctionApp.Tests.Wiring;

/// <summary>
/// The function app on storage that nothing has prepared (Azurite under <c>func start</c>): it creates its containers,
/// tables and queues itself before the first invocation runs, and while storage cannot be reached the invocation
/// answers the documented 503 problem, never a bare 500.
/// </summary>
public sealed class FreshStorageTests
{
    private const string Message = """{"from":"alice@example.com","to":"bob@example.net","text":"On fresh storage."}""";

    [Fact]
    public async Task Middleware_WhileStorageIsDown_LetsSubmitAnswerThe503Problem_ThenCreatesEverythingOnTheNextInvocation()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        using var app = FunctionAppHost.Build(FunctionAppFixture.Settings(azurite));
        var middleware = ActivatorUtilities.CreateInstance<StorageReadyMiddleware>(app.Services);
        TriggerResponse? whileDown = null;
        TriggerResponse? afterwards = null;

        await azurite.StopAsync();
        await middleware.Invoke(new TestFunctionContext(app.Services), async _ => whileDown = await SubmitAsync(app));
        await azurite.RestartAsync();
        await middleware.Invoke(new TestFunctionContext(app.Services), async _ => afterwards = await SubmitAsync(app));

        Assert.Equal(503, whileDown!.Status);
        Assert.Equal("application/problem+json", whileDown.ContentType);
        Assert.Equal("urn:smtpfunctions:problem:storage-unavailable", JsonDocument.Parse(whileDown.Body).RootElement.GetProperty("type").GetString());
        Assert.Equal("5", whileDown.Headers.RetryAfter.ToString());
        Assert.Equal(202, afterwards!.Status);
        Assert.Empty(await MissingAsync(app));
    }

    [Fact]
    public async Task Submit_WithoutTheMiddleware_OnFreshStorage_WouldFail_WhichIsWhatTheMiddlewarePrevents()
    {
        // The failure the middleware exists for: without it, the first submission on fresh storage is not accepted.
        await using var azurite = await AzuriteProcess.StartAsync();
        using var app = FunctionAppHost.Build(FunctionAppFixture.Settings(azurite));

        var status = 0;
        try
        {
            status = (await SubmitAsync(app)).Status;
        }
        catch (Azure.RequestFailedException ex)
        {
            status = ex.Status;
        }

        Assert.NotEqual(202, status);
    }

    [Fact]
    public async Task Middleware_OnFreshStorage_CreatesEveryResource_BeforeTheFunctionRuns_ThenSubmitIs202()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        using var app = FunctionAppHost.Build(FunctionAppFixture.Settings(azurite));
        var middleware = ActivatorUtilities.CreateInstance<StorageReadyMiddleware>(app.Services);
        var missingWhenTheFunctionRan = new List<string>();

        await middleware.Invoke(new TestFunctionContext(app.Services), async _ => missingWhenTheFunctionRan.AddRange(await MissingAsync(app)));

        Assert.Empty(missingWhenTheFunctionRan);
        Assert.True(app.Services.GetRequiredService<StorageProvisioner>().IsProvisioned);
        Assert.Equal(202, (await SubmitAsync(app)).Status);
    }

    [Fact]
    public async Task WorkerStart_OnFreshStorage_CreatesTheOutboundQueue_ForTheHostsQueueListener()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        using var app = FunctionAppHost.Build(FunctionAppFixture.Settings(azurite));
        var startup = app.Services.GetServices<IHostedService>().OfType<StorageStartup>().Single();

        await startup.StartAsync(CancellationToken.None);
        await startup.ExecuteTask!;

        Assert.Empty(await MissingAsync(app));
    }

    [Fact]
    public async Task Provisioner_WhileStorageIsDown_ReportsFalse_AndTriesAgainOnTheNextCall()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        using var app = FunctionAppHost.Build(FunctionAppFixture.Settings(azurite));
        var provisioner = app.Services.GetRequiredService<StorageProvisioner>();

        await azurite.StopAsync();
        var whileDown = await provisioner.TryEnsureCreatedAsync(CancellationToken.None);
        await azurite.RestartAsync();
        var afterwards = await provisioner.TryEnsureCreatedAsync(CancellationToken.None);

        Assert.False(whileDown);
        Assert.True(afterwards);
        Assert.Empty(await MissingAsync(app));
    }

    private static async Task<TriggerResponse> SubmitAsync(FunctionAppHost app)
    {
        var request = app.Request("POST", "/api/messages", Message, "application/json");
        return await FunctionAppHost.ExecuteAsync(request, await app.Trigger<SubmitMessage>().RunAsync(request, default));
    }

    private static async Task<List<string>> MissingAsync(FunctionAppHost app)
    {
        var account = app.Services.GetRequiredService<StorageAccount>();
        var missing = new List<string>();
        if (!await account.Blobs.GetBlobContainerClient(StorageNames.MessagesContainer).ExistsAsync())
        {
            missing.Add("container " + StorageNames.MessagesContainer);
        }

        foreach (var queue in new[] { StorageNames.OutboundQueue, StorageNames.OutboundPoisonQueue })
        {
            if (!await account.Queues.GetQueueClient(queue).ExistsAsync())
            {
                missing.Add("queue " + queue);
            }
        }

        var tables = new List<string>();
        await foreach (var table in account.Tables.QueryAsync())
        {
            tables.Add(table.Name);
        }

        missing.AddRange(new[] { StorageNames.MessagesTable, StorageNames.SuppressionsTable, StorageNames.PacingTable }
            .Where(t => !tables.Contains(t)).Select(t => "table " + t));
        return missing;
    }

    private sealed class TestFunctionContext(IServiceProvider services) : FunctionContext
    {
        public override string InvocationId { get; } = Guid.NewGuid().ToString();
        public override string FunctionId { get; } = "test";
        public override TraceContext TraceContext => throw new NotSupportedException();
        public override BindingContext BindingContext => throw new NotSupportedException();
        public override RetryContext RetryContext => throw new NotSupportedException();
        public override IServiceProvider InstanceServices { get; set; } = services;
        public override FunctionDefinition FunctionDefinition => throw new NotSupportedException();
        public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();
        public override IInvocationFeatures Features => throw new NotSupportedException();
    }
}
