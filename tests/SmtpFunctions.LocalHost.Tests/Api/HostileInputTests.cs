using System.Net;
using System.Text;
using System.Text.Json;
using MimeKit;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.LocalHost.Tests.Api;

/// <summary>
/// Issue 11 at the HTTP door, against the running host: hostile recipient lists are refused fast with a problem naming
/// the field, duplicates are delivered to once, long lines never reach the stored message, submitted trace and
/// authentication fields do not travel, and the door's own Received field names the client.
/// </summary>
public class HostileInputTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    [Fact]
    public async Task Submit_Json20000Recipients_Is400NamingTo()
    {
        var to = string.Join(",", Enumerable.Range(0, 20_000).Select(i => $"\"user{i}@example{i % 50}.net\""));
        using var response = await host.Client.PostAsync("/api/messages", LocalHostFixture.Json($"{{\"from\":\"a@example.com\",\"to\":[{to}],\"text\":\"t\"}}"));

        var problem = await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "to");
        Assert.Contains("at most 50", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_RawMimeWithHugeHeaderBlock_Is400NamingHeaders()
    {
        var to = string.Join(", ", Enumerable.Range(0, 20_000).Select(i => $"user{i}@example{i % 50}.net"));
        using var response = await host.Client.PostAsync("/api/messages", LocalHostFixture.Mime($"From: a@example.com\r\nTo: {to}\r\n\r\nbody\r\n"));

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "headers");
    }

    [Fact]
    public async Task Submit_OneAddress10000Times_IsOneRecipientOneJobAndOneToEntry()
    {
        var to = string.Join(",", Enumerable.Repeat("\"bob@example.net\"", 10_000));
        using var response = await host.Client.PostAsync("/api/messages", LocalHostFixture.Json($"{{\"from\":\"a@example.com\",\"to\":[{to}],\"text\":\"t\"}}"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = await IdOf(response);
        var job = Assert.Single(await host.JobsForAsync(id));
        Assert.Equal(["bob@example.net"], job.Recipients);
        var stored = await StoredAsync(id);
        Assert.Equal(["bob@example.net"], stored.To.Mailboxes.Select(m => m.Address).ToArray());
    }

    [Fact]
    public async Task Submit_RawMimeWith5000CharLine_IsStoredWithoutAnyLongLine()
    {
        var line = string.Concat(Enumerable.Repeat("0123456789", 500));
        using var response = await host.Client.PostAsync("/api/messages", LocalHostFixture.Mime($"From: a@example.com\r\nTo: b@example.net\r\nSubject: long\r\n\r\n{line}\r\n"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = await IdOf(response);
        AssertNoLongLine(await StoredTextAsync(id));
        Assert.Equal(line + "\r\n", ((TextPart)(await StoredAsync(id)).Body!).Text.ReplaceLineEndings("\r\n"));
    }

    [Fact]
    public async Task Submit_JsonTextWith5000CharLine_IsStoredWithoutAnyLongLine()
    {
        var line = string.Concat(Enumerable.Repeat("abcdefghij", 500));
        using var response = await host.Client.PostAsync("/api/messages", LocalHostFixture.Json($"{{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"{line}\"}}"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = await IdOf(response);
        AssertNoLongLine(await StoredTextAsync(id));
        Assert.Equal(line, ((TextPart)(await StoredAsync(id)).Body!).Text);
    }

    [Fact]
    public async Task Submit_RawMimeBase64WithLongLine_Is400NamingTheBody()
    {
        var base64 = Convert.ToBase64String(new byte[3000]);
        using var response = await host.Client.PostAsync("/api/messages", LocalHostFixture.Mime(
            $"From: a@example.com\r\nTo: b@example.net\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n{base64}\r\n"));

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "body");
    }

    [Theory]
    [InlineData("DKIM-Signature")]
    [InlineData("ARC-Seal")]
    [InlineData("Authentication-Results")]
    public async Task Submit_JsonWithServerOnlyHeader_Is400NamingIt(string name)
    {
        using var response = await host.Client.PostAsync("/api/messages",
            LocalHostFixture.Json($"{{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"headers\":{{\"{name}\":\"v=1\"}},\"text\":\"t\"}}"));

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, $"headers.{name}");
    }

    [Fact]
    public async Task Submit_RawMime_DropsTraceAndAuthenticationFieldsOfTheSubmitter()
    {
        using var response = await host.Client.PostAsync("/api/messages", LocalHostFixture.Mime(
            "Return-Path: <x@evil.example>\r\nDKIM-Signature: v=1; d=evil.example; b=x\r\nARC-Seal: i=1; cv=none\r\n" +
            "Authentication-Results: mx.example.net; dkim=pass\r\nFrom: a@example.com\r\nTo: b@example.net\r\n" +
            "Bcc: c@example.net\r\nResent-Bcc: d@example.net\r\nSubject: hygiene\r\n\r\nbody\r\n"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var text = await StoredTextAsync(await IdOf(response));
        foreach (var gone in new[] { "Return-Path:", "DKIM-Signature:", "ARC-Seal:", "Authentication-Results:", "Bcc:", "c@example.net", "d@example.net" })
        {
            Assert.DoesNotContain(gone, text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains("Subject: hygiene\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_StoresAReceivedFieldNamingTheClient()
    {
        using var response = await host.Client.PostAsync("/api/messages", LocalHostFixture.Json("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"t\"}"));

        var id = await IdOf(response);
        var text = await StoredTextAsync(id);
        Assert.StartsWith("Received: from [127.0.0.1] ([127.0.0.1])\r\n\tby ", text, StringComparison.Ordinal);
        Assert.Contains($"(SmtpFunctions) with HTTP id {id};", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_BehindALoopbackProxy_TakesTheClientFromXForwardedFor()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages")
        {
            Content = LocalHostFixture.Json("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"t\"}"),
        };
        request.Headers.Add("X-Forwarded-For", "198.51.100.1, 203.0.113.7:51234");
        request.Headers.Add("X-Forwarded-Proto", "https");
        using var response = await host.Client.SendAsync(request);

        var text = await StoredTextAsync(await IdOf(response));
        Assert.StartsWith("Received: from [203.0.113.7] ([203.0.113.7])\r\n", text, StringComparison.Ordinal);
        Assert.Contains(" with HTTPS id ", text, StringComparison.Ordinal);
    }

    internal static async Task<string> IdOf(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("id").GetString()!;
    }

    private async Task<string> StoredTextAsync(string id)
    {
        var (message, _) = await host.Status.GetAsync(id, CancellationToken.None);
        var blob = await host.Storage.Blobs.GetBlobContainerClient(StorageNames.MessagesContainer).GetBlobClient(message!.BlobName).DownloadContentAsync();
        return Encoding.UTF8.GetString(blob.Value.Content.ToArray());
    }

    private async Task<MimeMessage> StoredAsync(string id) =>
        MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(await StoredTextAsync(id))));

    private static void AssertNoLongLine(string text) =>
        Assert.All(text.Split("\r\n"), line => Assert.True(Encoding.UTF8.GetByteCount(line) <= 998, $"a stored line of {line.Length} characters"));
}
