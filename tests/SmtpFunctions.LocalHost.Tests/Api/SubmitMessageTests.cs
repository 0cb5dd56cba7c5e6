using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using MimeKit;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.LocalHost.Tests.Api;

public class SubmitMessageTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    private const string Message = """
        {"from":"Alice <alice@example.com>",
         "to":["bob@example.net","Carol <carol@example.org>"],
         "cc":"erin@example.net",
         "bcc":["dave@example.net","BOB@example.net"],
         "subject":"Quarterly report",
         "text":"Hi all,\nthe report is attached.\n",
         "html":"<p>Hi all, <img src=\"cid:logo\"></p>",
         "headers":{"X-Campaign":"q3"},
         "attachments":[{"filename":"logo.png","contentType":"image/png","content":"iVBORw0KGgo=","contentId":"logo"},
                        {"filename":"report.csv","contentType":"text/csv","content":"YSxiCjEsMgo="}]}
        """;

    [Fact]
    public async Task Submit_Json_WritesBlobRowsAndOneJobPerDomain_Then202()
    {
        using var response = await host.Client.PostAsync("/api/messages", LocalHostFixture.Json(Message));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var id = body.RootElement.GetProperty("id").GetString()!;
        Assert.Equal($"/api/messages/{id}", response.Headers.Location!.OriginalString);
        Assert.Equal("queued", body.RootElement.GetProperty("status").GetString());
        var addresses = body.RootElement.GetProperty("recipients").EnumerateArray().Select(r => r.GetProperty("address").GetString()!).ToArray();
        Assert.Equal(["bob@example.net", "carol@example.org", "erin@example.net", "dave@example.net"], addresses);

        // Status rows: one for the message, one per distinct recipient, all queued.
        var (message, recipients) = await host.Status.GetAsync(id, CancellationToken.None);
        Assert.NotNull(message);
        Assert.Equal("alice@example.com", message.Sender);
        Assert.Equal(4, message.RecipientCount);
        Assert.Equal(addresses.Order(), recipients.Select(r => r.Address).Order());
        Assert.All(recipients, r => Assert.Equal(RecipientStatus.Queued, r.Status));

        // Jobs: exactly one per recipient domain, with that domain's recipients, referencing the committed blob.
        var jobs = await host.JobsForAsync(id);
        Assert.Equal(2, jobs.Count);
        var net = Assert.Single(jobs, j => j.Domain == "example.net");
        Assert.Equal(["bob@example.net", "erin@example.net", "dave@example.net"], net.Recipients);
        var org = Assert.Single(jobs, j => j.Domain == "example.org");
        Assert.Equal(["carol@example.org"], org.Recipients);
        Assert.All(jobs, j =>
        {
            Assert.Equal(message.SubmissionToken, j.SubmissionToken);
            Assert.Equal(message.BlobName, j.BlobName);
            Assert.Equal("alice@example.com", j.Sender);
            Assert.Equal(message.Size, j.Size);
            Assert.True(OutboundQueue.Serialize(j with { Content = null }).ToArray().Length < 2048, "jobs stay small but for the MIME they carry");
        });

        // The blob: the MIME as sent, without Bcc, with Message-ID and Date.
        var blob = await host.Storage.Blobs.GetBlobContainerClient(StorageNames.MessagesContainer).GetBlobClient(message.BlobName).DownloadContentAsync();
        var mime = MimeMessage.Load(blob.Value.Content.ToStream());
        Assert.Equal(message.Size, blob.Value.Content.ToArray().Length);
        // A message this small rides in each job too, octet for octet: its delivery reads no blob.
        Assert.All(jobs, j => Assert.Equal(blob.Value.Content.ToArray(), j.Content));
        Assert.DoesNotContain("dave@example.net", blob.Value.Content.ToString(), StringComparison.Ordinal);
        Assert.False(mime.Headers.Contains(HeaderId.Bcc));
        Assert.Equal($"{id}@example.com", mime.MessageId);
        Assert.Equal(message.HeaderMessageId, mime.MessageId);
        Assert.Equal("q3", mime.Headers["X-Campaign"]);
        Assert.Equal("report.csv", Assert.Single(mime.Attachments.OfType<MimePart>()).FileName);
        Assert.Single(mime.BodyParts, p => p.ContentId == "logo");
    }

    [Fact]
    public async Task Submit_RawMime_TakesEnvelopeFromHeaders()
    {
        const string mime = "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nBcc: hidden@example.org\r\nSubject: raw\r\nMessage-ID: <raw-1@example.com>\r\n\r\nHello.\r\n";
        using var response = await host.Client.PostAsync("/api/messages", LocalHostFixture.Mime(mime));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = receipt.GetProperty("id").GetString()!;
        var view = await host.Status.GetViewAsync(id, CancellationToken.None);
        Assert.Equal("raw-1@example.com", view!.MessageIdHeader);
        Assert.Equal(["bob@example.net", "hidden@example.org"], view.Recipients.Select(r => r.Address).Order().ToArray());
        var jobs = await host.JobsForAsync(id);
        Assert.Equal(["example.net", "example.org"], jobs.Select(j => j.Domain).Order().ToArray());
    }

    [Fact]
    public async Task Submit_SameIdempotencyKeyAndBody_ReturnsFirstAnswerWithoutSecondEnqueue()
    {
        var key = "order-" + Guid.NewGuid();
        using var first = await PostWithKeyAsync(key, Message);
        using var second = await PostWithKeyAsync(key, Message);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.Equal(firstBody, await second.Content.ReadAsStringAsync());
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        var id = JsonDocument.Parse(firstBody).RootElement.GetProperty("id").GetString()!;
        Assert.Equal(2, (await host.JobsForAsync(id)).Count);
    }

    [Fact]
    public async Task Submit_SameIdempotencyKeyOtherBody_Is409()
    {
        var key = "order-" + Guid.NewGuid();
        using var first = await PostWithKeyAsync(key, Message);
        using var second = await PostWithKeyAsync(key, Message.Replace("Quarterly", "Monthly", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await ProblemAssert.IsAsync(second, HttpStatusCode.Conflict, "Idempotency-Key");
    }

    [Fact]
    public async Task Submit_ConcurrentRequestsWithSameKey_OneMessageOneSetOfJobs()
    {
        var key = "race-" + Guid.NewGuid();
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PostWithKeyAsync(key, Message)));

        var bodies = new List<string>();
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            bodies.Add(await response.Content.ReadAsStringAsync());
            response.Dispose();
        }

        Assert.Single(bodies.Distinct());
        var id = JsonDocument.Parse(bodies[0]).RootElement.GetProperty("id").GetString()!;
        var message = await host.Status.GetMessageAsync(id, CancellationToken.None);
        var jobs = await host.JobsForAsync(id);

        // Losing attempts may have enqueued jobs before their commit failed; only the committed token's jobs count.
        Assert.Equal(2, jobs.Count(j => j.SubmissionToken == message!.SubmissionToken));
        var blobs = host.Storage.Blobs.GetBlobContainerClient(StorageNames.MessagesContainer).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, id + "/", CancellationToken.None);
        var names = new List<string>();
        await foreach (var blob in blobs)
        {
            names.Add(blob.Name);
        }

        Assert.Equal([message!.BlobName], names);
    }

    [Fact]
    public async Task Submit_LargerThanLimit_Is413()
    {
        var big = Convert.ToBase64String(new byte[LocalHostFixture.MaxMessageBytes]);
        var json = $"{{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"x\",\"attachments\":[{{\"filename\":\"big.bin\",\"content\":\"{big}\"}}]}}";

        using var response = await host.Client.PostAsync("/api/messages", LocalHostFixture.Json(json));

        await ProblemAssert.IsAsync(response, HttpStatusCode.RequestEntityTooLarge, "message");
    }

    [Fact]
    public async Task Submit_BodyFarOverLimit_Is413WithoutReadingIt()
    {
        using var content = new ByteArrayContent(new byte[(3 * LocalHostFixture.MaxMessageBytes) + 1]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("message/rfc822");

        using var response = await host.Client.PostAsync("/api/messages", content);

        await ProblemAssert.IsAsync(response, HttpStatusCode.RequestEntityTooLarge, "message");
    }

    [Fact]
    public async Task Submit_ChunkedBody_IsReadWhole_Then202()
    {
        // No Content-Length: the body arrives in chunks and is read to its end, as a declared length is read directly.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = LocalHostFixture.Json(Message) };
        request.Headers.TransferEncodingChunked = true;

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(4, body.RootElement.GetProperty("recipients").GetArrayLength());
    }

    [Fact]
    public async Task Submit_ChunkedBodyFarOverLimit_Is413()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages")
        {
            Content = new ByteArrayContent(new byte[(3 * LocalHostFixture.MaxMessageBytes) + 1]),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("message/rfc822");
        request.Headers.TransferEncodingChunked = true;

        using var response = await host.Client.SendAsync(request);

        await ProblemAssert.IsAsync(response, HttpStatusCode.RequestEntityTooLarge, "message");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData(null)]
    public async Task Submit_OtherMediaType_Is415(string? contentType)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Message));
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var response = await host.Client.PostAsync("/api/messages", content);

        await ProblemAssert.IsAsync(response, HttpStatusCode.UnsupportedMediaType, "Content-Type");
    }

    [Theory]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"x\",\"extra\":1}", "extra")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",", "body")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"subject\":\"a\\nb\",\"text\":\"x\"}", "subject")]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\"}", "text")]
    public async Task Submit_Invalid_Is400NamingTheField(string json, string field)
    {
        using var response = await host.Client.PostAsync("/api/messages", LocalHostFixture.Json(json));

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Submit_Invalid_WritesNothing()
    {
        var key = "invalid-" + Guid.NewGuid();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = LocalHostFixture.Json("{\"from\":\"a@example.com\"}") };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var id = Core.Submission.MessageIds.ForIdempotencyKey(key);
        Assert.Null(await host.Status.GetMessageAsync(id, CancellationToken.None));
        Assert.Empty(await host.JobsForAsync(id));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-0000000000000000000")]
    public async Task Submit_WithoutValidKey_Is401(string? key)
    {
        using var client = new HttpClient { BaseAddress = host.Client.BaseAddress };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("x-functions-key", key);
        }

        using var response = await client.PostAsync("/api/messages", LocalHostFixture.Json(Message));

        await ProblemAssert.IsUnauthorizedAsync(response);
    }

    [Fact]
    public async Task Submit_WithKeyInCodeQuery_IsAccepted()
    {
        using var client = new HttpClient { BaseAddress = host.Client.BaseAddress };

        using var response = await client.PostAsync($"/api/messages?code={LocalHostFixture.Key}", LocalHostFixture.Json(Message));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private async Task<HttpResponseMessage> PostWithKeyAsync(string key, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = LocalHostFixture.Json(json) };
        request.Headers.Add("Idempotency-Key", key);
        return await host.Client.SendAsync(request);
    }
}
