using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.LocalHost.Tests.Api;

public class StorageOutageTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    private const string Message = "{\"from\":\"a@example.com\",\"to\":[\"b@example.net\",\"c@example.org\"],\"text\":\"x\"}";

    [Fact]
    public async Task Submit_WhileStorageDown_Is503_AndAfterRestartNothingClaimsQueued_AndNothingAcceptedIsLost()
    {
        using var accepted = await host.Client.PostAsync("/api/messages", LocalHostFixture.Json(Message));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var acceptedId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var key = "outage-" + Guid.NewGuid();

        await host.Azurite.StopAsync();
        try
        {
            using var refused = await PostAsync(key);
            var problem = await ProblemAssert.IsAsync(refused, HttpStatusCode.ServiceUnavailable, null);
            Assert.Contains("storage", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Contains("Idempotency-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

            // A read says it read nothing, not that a message was refused.
            using var status = await host.Client.GetAsync($"/api/messages/{acceptedId}");
            var readProblem = await ProblemAssert.IsAsync(status, HttpStatusCode.ServiceUnavailable, null);
            Assert.Contains("nothing was read", readProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.NotNull(status.Headers.RetryAfter);
        }
        finally
        {
            await host.Azurite.RestartAsync();
        }

        // What was acknowledged before the outage is still there…
        using var before = await host.Client.GetAsync($"/api/messages/{acceptedId}");
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        // …and the refused submission left nothing that claims to be queued.
        var refusedId = MessageIds.ForIdempotencyKey(key);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/api/messages/{refusedId}")).StatusCode);
        var (message, recipients) = await host.Status.GetAsync(refusedId, CancellationToken.None);
        Assert.Null(message);
        Assert.Empty(recipients);
        Assert.Empty(await host.JobsForAsync(refusedId));

        // The client's retry now goes through, once.
        using var retried = await PostAsync(key);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal(2, (await host.JobsForAsync(refusedId)).Count);
    }

    private async Task<HttpResponseMessage> PostAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = LocalHostFixture.Json(Message) };
        request.Headers.Add("Idempotency-Key", key);
        return await host.Client.SendAsync(request);
    }
}
