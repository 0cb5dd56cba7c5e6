using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.LocalHost.Tests.Api;

/// <summary>The local host with room for 1 MiB of request bodies at once.</summary>
public sealed class SmallAdmissionHostFixture : LocalHostFixture
{
    public const long InFlightLimit = 1024 * 1024;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["LocalHost:RunQueueListener"] = "false",
        ["Submission:MaxBytesInFlight"] = InFlightLimit.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// Issue 11, item 3: the HTTP door admits request bodies by the octets in flight; when full it answers 503 busy with
/// Retry-After before reading the body, and what it had already admitted is accepted as usual.
/// </summary>
public class AdmissionTests(SmallAdmissionHostFixture host) : IClassFixture<SmallAdmissionHostFixture>
{
    [Fact]
    public async Task Submit_WhileTheDoorIsFull_Is503Busy_AndTheAdmittedRequestIsStillAccepted()
    {
        var admission = host.Services.GetRequiredService<SubmissionAdmission>();
        var held = Message(900_000);
        // A raw connection: the request line, the headers and the first octets, the rest only later; the door has
        // admitted the declared length and is still reading.
        using var stalled = new TcpClient();
        await stalled.ConnectAsync(host.Client.BaseAddress!.Host, host.Client.BaseAddress.Port);
        var stream = stalled.GetStream();
        var head = $"POST /api/messages HTTP/1.1\r\nHost: {host.Client.BaseAddress.Authority}\r\nx-functions-key: {LocalHostFixture.Key}\r\n" +
            $"Content-Type: message/rfc822\r\nContent-Length: {held.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(held.AsMemory(0, 1000));
        await stream.FlushAsync();
        await WaitUntilAsync(() => admission.InFlight >= held.Length);

        using (var refused = await host.Client.PostAsync("/api/messages", Mime(Message(200_000))))
        {
            var problem = await ProblemAssert.IsAsync(refused, HttpStatusCode.ServiceUnavailable, "body");
            Assert.Equal("urn:smtpfunctions:problem:busy", problem.GetProperty("type").GetString());
            Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
        }

        await stream.WriteAsync(held.AsMemory(1000));
        await stream.FlushAsync();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var answer = await reader.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 202", answer, StringComparison.Ordinal);

        await WaitUntilAsync(() => admission.InFlight == 0);
        using var after = await host.Client.PostAsync("/api/messages", Mime(Message(200_000)));
        await HostileInputTests.IdOf(after);
    }

    [Fact]
    public async Task Submit_ChunkedBodies_AreAdmittedAsTheyArrive_AndGivenBack()
    {
        var admission = host.Services.GetRequiredService<SubmissionAdmission>();
        using var content = new StreamContent(new MemoryStream(Message(300_000)));
        content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await host.Client.SendAsync(request);

        await HostileInputTests.IdOf(response);
        Assert.Equal(0, admission.InFlight);
    }

    private static ByteArrayContent Mime(byte[] octets)
    {
        var content = new ByteArrayContent(octets);
        content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        return content;
    }

    // A valid message of about `size` octets (70-character lines).
    private static byte[] Message(int size)
    {
        var text = new StringBuilder("From: a@example.com\r\nTo: b@example.net\r\nSubject: admission\r\n\r\n");
        while (text.Length < size - 72)
        {
            text.Append(new string('x', 70)).Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
