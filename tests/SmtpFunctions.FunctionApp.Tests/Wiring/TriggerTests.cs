using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Suppression;
using SmtpFunctions.Core.Tenants;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.FunctionApp.Storage;

namespace SmtpFunctions.FunctionApp.Tests.Wiring;

/// <summary>
/// Each trigger class of the function app, activated from Program.cs's container and called against Azurite: a missing
/// registration, a wrong route value or an answer that differs from the local host's (the same documented status codes
/// and bodies) fails here.
/// </summary>
public sealed class TriggerTests(FunctionAppFixture fixture) : IClassFixture<FunctionAppFixture>, IAsyncLifetime
{
    private const string Message = """{"from":"alice@example.com","to":["bob@example.net","carol@example.org"],"subject":"Wiring","text":"Through the function app."}""";

    private FunctionAppHost App => fixture.App;

    // What the worker does when it starts: the hosted service creates the storage resources on the fresh Azurite.
    public Task InitializeAsync() => App.Services.GetServices<IHostedService>().OfType<StorageStartup>().Single().StartAsync(CancellationToken.None)
        .ContinueWith(_ => App.Services.GetRequiredService<StorageProvisioner>().EnsureCreatedAsync(CancellationToken.None), TaskScheduler.Default).Unwrap();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task SubmitMessage_ThenGetMessage_Answer202WithLocation_ThenTheQueuedView()
    {
        var submitted = await SubmitAsync(Message);

        Assert.Equal(202, submitted.Status);
        Assert.Equal("application/json", submitted.ContentType);
        var receipt = JsonDocument.Parse(submitted.Body).RootElement;
        var id = receipt.GetProperty("id").GetString()!;
        Assert.Equal("queued", receipt.GetProperty("status").GetString());
        Assert.Equal($"/api/messages/{id}", submitted.Headers.Location.ToString());

        var request = App.Request("GET", $"/api/messages/{id}");
        var got = await FunctionAppHost.ExecuteAsync(request, await App.Trigger<GetMessage>().RunAsync(request, id, default));

        Assert.Equal(200, got.Status);
        var view = JsonDocument.Parse(got.Body).RootElement;
        Assert.Equal(id, view.GetProperty("id").GetString());
        Assert.Equal(["bob@example.net", "carol@example.org"],
            view.GetProperty("recipients").EnumerateArray().Select(r => r.GetProperty("address").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task SubmitMessage_InvalidJson_IsA400ProblemNamingTheField()
    {
        var answer = await SubmitAsync("""{"from":"alice@example.com","text":"no recipient"}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Equal("to", JsonDocument.Parse(answer.Body).RootElement.GetProperty("field").GetString());
    }

    [Fact]
    public async Task GetMessage_UnknownId_IsA404Problem()
    {
        var request = App.Request("GET", "/api/messages/01m8j01vmaatx2gphqhz6sc4f1");
        var answer = await FunctionAppHost.ExecuteAsync(request, await App.Trigger<GetMessage>().RunAsync(request, "01m8j01vmaatx2gphqhz6sc4f1", default));

        Assert.Equal(404, answer.Status);
        Assert.Equal("id", JsonDocument.Parse(answer.Body).RootElement.GetProperty("field").GetString());
    }

    [Fact]
    public async Task DeliverMessage_TakesTheQueuedJob_AndDeliversItToTheSmartHost()
    {
        var subject = "Delivered " + Guid.NewGuid().ToString("N");
        var receipt = JsonDocument.Parse((await SubmitAsync(Message.Replace("Wiring", subject, StringComparison.Ordinal))).Body).RootElement;
        var id = receipt.GetProperty("id").GetString()!;
        var jobs = await TakeJobsAsync(id);
        Assert.Equal(2, jobs.Count);

        foreach (var job in jobs)
        {
            await App.Trigger<DeliverMessage>().RunAsync(job, default);
        }

        var view = await App.Services.GetRequiredService<StatusStore>().GetViewAsync(id, default);
        Assert.All(view!.Recipients, r => Assert.Equal(RecipientStatus.Delivered, r.Status));
        var caught = await fixture.Sink.WaitForMessagesAsync(2, m => System.Text.Encoding.UTF8.GetString(m.Bytes).Contains(subject, StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        Assert.Equal(["bob@example.net", "carol@example.org"], caught.SelectMany(m => m.Recipients).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task SuppressionFunctions_ListLookUpAndLift_InPathAndQueryForm()
    {
        var list = App.Services.GetRequiredService<SuppressionList>();
        foreach (var address in new[] { "one/slash@wiring.example", "two@wiring.example" })
        {
            await list.AddAsync(TenantIds.Default, address, FailureClassifier.FromReply(550, "5.1.1 User unknown"), "01m8j01vmaatx2gphqhz6sc4f1", null, default);
        }

        var addRequest = App.Request("POST", "/api/suppressions", """{"address":"three@wiring.example","reason":"unsubscribed"}""", "application/json");
        var added = await FunctionAppHost.ExecuteAsync(addRequest, await App.Trigger<AddSuppression>().RunAsync(addRequest, default));
        Assert.Equal(201, added.Status);
        Assert.Equal("api", JsonDocument.Parse(added.Body).RootElement.GetProperty("addedBy").GetString());

        var listed = await ListAsync("/api/suppressions?domain=wiring.example");
        Assert.Equal(200, listed.Status);
        Assert.Equal(["one/slash@wiring.example", "three@wiring.example", "two@wiring.example"], Addresses(listed));

        var byQuery = await ListAsync("/api/suppressions?address=one%2Fslash%40wiring.example");
        Assert.Equal(["one/slash@wiring.example"], Addresses(byQuery));

        var getRequest = App.Request("GET", "/api/suppressions/two%40wiring.example");
        var got = await FunctionAppHost.ExecuteAsync(getRequest, await App.Trigger<GetSuppression>().RunAsync(getRequest, "two@wiring.example", default));
        Assert.Equal(200, got.Status);
        Assert.Equal("two@wiring.example", JsonDocument.Parse(got.Body).RootElement.GetProperty("address").GetString());

        var liftByQuery = App.Request("DELETE", "/api/suppressions?address=one%2Fslash%40wiring.example");
        var liftedByQuery = await FunctionAppHost.ExecuteAsync(liftByQuery, await App.Trigger<DeleteSuppressionByQuery>().RunAsync(liftByQuery, default));
        var liftByPath = App.Request("DELETE", "/api/suppressions/two%40wiring.example");
        var liftedByPath = await FunctionAppHost.ExecuteAsync(liftByPath, await App.Trigger<DeleteSuppression>().RunAsync(liftByPath, "two@wiring.example", default));
        var again = App.Request("DELETE", "/api/suppressions?address=one%2Fslash%40wiring.example");
        var liftedAgain = await FunctionAppHost.ExecuteAsync(again, await App.Trigger<DeleteSuppressionByQuery>().RunAsync(again, default));

        Assert.Equal(204, liftedByQuery.Status);
        Assert.Equal(204, liftedByPath.Status);
        Assert.Equal(404, liftedAgain.Status);
        Assert.Equal(["three@wiring.example"], Addresses(await ListAsync("/api/suppressions?domain=wiring.example")));
    }

    [Fact]
    public async Task GetOpenApiDocument_ServesTheRepositoryDocument()
    {
        var request = App.Request("GET", "/api/openapi.json");
        var answer = await FunctionAppHost.ExecuteAsync(request, App.Trigger<GetOpenApiDocument>().Run(request));

        Assert.Equal(200, answer.Status);
        Assert.Equal("application/json", answer.ContentType);
        Assert.Equal(
            File.ReadAllText(SmtpFunctions.Testing.Processes.RepositoryPaths.Combine("functions", "SmtpFunctions.Api", "openapi.json")),
            answer.Body);
    }

    [Fact]
    public async Task CreateKey_ListKeys_RevokeKey_ThenTheKeyIsRefusedAsOnTheLocalHost()
    {
        var create = App.Request("POST", "/api/keys", """{"name":"wiring","scopes":["read"]}""", "application/json");
        var created = await FunctionAppHost.ExecuteAsync(create, await App.Trigger<CreateKey>().RunAsync(create, default));
        Assert.Equal(201, created.Status);
        var key = JsonDocument.Parse(created.Body).RootElement;
        var id = key.GetProperty("id").GetString()!;
        Assert.StartsWith($"sf_{id}_", key.GetProperty("key").GetString(), StringComparison.Ordinal);

        var list = App.Request("GET", "/api/keys");
        var listed = await FunctionAppHost.ExecuteAsync(list, await App.Trigger<ListKeys>().RunAsync(list, default));
        Assert.Equal(200, listed.Status);
        Assert.Contains(JsonDocument.Parse(listed.Body).RootElement.GetProperty("keys").EnumerateArray(), k => k.GetProperty("id").GetString() == id);

        var revoke = App.Request("DELETE", $"/api/keys/{id}");
        var revoked = await FunctionAppHost.ExecuteAsync(revoke, await App.Trigger<RevokeKey>().RunAsync(revoke, id, default));
        Assert.Equal(204, revoked.Status);

        var get = App.Request("GET", "/api/messages/01m8j01vmaatx2gphqhz6sc4f1");
        get.Headers.Authorization = "Bearer " + key.GetProperty("key").GetString();
        var refused = await FunctionAppHost.ExecuteAsync(get, await App.Trigger<GetMessage>().RunAsync(get, "01m8j01vmaatx2gphqhz6sc4f1", default));
        Assert.Equal(401, refused.Status);
        Assert.Equal("application/problem+json", refused.ContentType);
        Assert.Equal("urn:smtpfunctions:problem:revoked-api-key", JsonDocument.Parse(refused.Body).RootElement.GetProperty("type").GetString());
    }

    private async Task<TriggerResponse> SubmitAsync(string json)
    {
        var request = App.Request("POST", "/api/messages", json, "application/json");
        return await FunctionAppHost.ExecuteAsync(request, await App.Trigger<SubmitMessage>().RunAsync(request, default));
    }

    private async Task<TriggerResponse> ListAsync(string pathAndQuery)
    {
        var request = App.Request("GET", pathAndQuery);
        return await FunctionAppHost.ExecuteAsync(request, await App.Trigger<ListSuppressions>().RunAsync(request, default));
    }

    private static string[] Addresses(TriggerResponse page) =>
        JsonDocument.Parse(page.Body).RootElement.GetProperty("suppressions").EnumerateArray().Select(e => e.GetProperty("address").GetString()!).ToArray();

    // The jobs of one message, received (made invisible) from the outbound queue as the host's listener receives them.
    private async Task<List<QueueMessage>> TakeJobsAsync(string messageId)
    {
        var queue = App.Services.GetRequiredService<StorageAccount>().Queues.GetQueueClient(StorageNames.OutboundQueue);
        var mine = new List<QueueMessage>();
        for (var i = 0; i < 20 && mine.Count == 0; i++)
        {
            foreach (var message in (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value)
            {
                if (message.Body.ToString().Contains(messageId, StringComparison.Ordinal))
                {
                    mine.Add(message);
                }
                else
                {
                    await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
                }
            }
        }

        return mine;
    }
}
