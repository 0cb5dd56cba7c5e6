using MailKit.Net.Smtp;
using MimeKit;
using SmtpFunctions.Testing.Postfix;
using SmtpFunctions.Testing.Processes;
using SmtpFunctions.Testing.Tests.Clients;

namespace SmtpFunctions.Testing.Tests.Postfix;

public sealed class SmtpSinkTests
{
    [Fact]
    public async Task Accepts_AndDumpsEnvelopeAndMessageBytes()
    {
        await using var sink = await SmtpSink.StartAsync();
        var message = TestMessages.Create("from@client.test", "to@far.test");
        using (var client = await RecordingSmtpClient.ConnectAsync(sink.EndPoint))
        {
            Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.StartTLS));
            Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.UTF8));
            await client.SendAsync(message, MailboxAddress.Parse("bounce@client.test"), [MailboxAddress.Parse("one@far.test"), MailboxAddress.Parse("two@far.test")]);
            await client.DisconnectAsync(true);
        }

        var received = Assert.Single(await sink.WaitForMessagesAsync());
        Assert.True(received.Accepted);
        Assert.Equal("bounce@client.test", received.MailFrom);
        Assert.Equal(["one@far.test", "two@far.test"], received.Recipients);
        Assert.Equal("client.test", received.HeloName);
        Assert.Equal(TestMessages.WireBytes(message), received.Bytes);
    }

    [Fact]
    public async Task SoftRejectedRcpt_Gets451_ThenReconfiguredSinkAccepts()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions
        {
            SoftReject = ["RCPT"],
            SoftRejectReply = "451 4.7.1 Greylisted, try again",
        });
        var message = TestMessages.Create("from@client.test", "to@far.test");
        using (var client = await RecordingSmtpClient.ConnectAsync(sink.EndPoint))
        {
            await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(message));
            Assert.Equal(451, (int)Assert.Single(client.Rejected).Response.StatusCode);
        }

        var address = sink.EndPoint;
        await sink.ReconfigureAsync(new SmtpSinkOptions());
        Assert.Equal(address, sink.EndPoint);
        using (var client = await RecordingSmtpClient.ConnectAsync(sink.EndPoint))
        {
            await client.SendAsync(message);
        }

        var accepted = Assert.Single(await sink.WaitForMessagesAsync());
        Assert.Equal(1, accepted.Run);
    }

    [Fact]
    public async Task HardRejectedRcpt_Gets550WithTheGivenReply()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { HardReject = ["RCPT"], HardRejectReply = "550 5.1.1 No such user" });
        using var client = await RecordingSmtpClient.ConnectAsync(sink.EndPoint);
        await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(TestMessages.Create("a@client.test", "b@far.test")));
        var (_, response) = Assert.Single(client.Rejected);
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, response.StatusCode);
        Assert.Contains("5.1.1 No such user", response.Response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisconnectAfterDot_DropsWithoutReply_MessageDumpedButNotAccepted_RetryAcceptedOnce()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { DisconnectAfter = ["."] });
        var message = TestMessages.Create("a@client.test", "b@far.test");
        using (var client = await RecordingSmtpClient.ConnectAsync(sink.EndPoint))
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => client.SendAsync(message));
            Assert.True(error is SmtpProtocolException or IOException, error.ToString());
        }

        var dropped = Assert.Single(await sink.WaitForMessagesAsync());
        Assert.False(dropped.Accepted);

        await sink.ReconfigureAsync(new SmtpSinkOptions());
        using (var client = await RecordingSmtpClient.ConnectAsync(sink.EndPoint))
        {
            await client.SendAsync(message);
        }

        await sink.WaitForMessagesAsync(2);
        Assert.Equal(message.MessageId, Assert.Single(sink.ReadAcceptedMessages()).ToMimeMessage().MessageId);
    }

    [Fact]
    public async Task ServiceUnavailable_Answers421AtMail()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { ServiceUnavailableAfter = ["MAIL"] });
        using var client = await RecordingSmtpClient.ConnectAsync(sink.EndPoint);
        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(TestMessages.Create("a@client.test", "b@far.test")));
        Assert.Equal(SmtpStatusCode.ServiceNotAvailable, error.StatusCode);
    }

    [Fact]
    public async Task Greeting421_WhenServiceUnavailableAtConnect()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { ServiceUnavailableAfter = ["CONNECT"] });
        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => RecordingSmtpClient.ConnectAsync(sink.EndPoint));
        Assert.Equal(SmtpStatusCode.ServiceNotAvailable, error.StatusCode);
    }

    [Fact]
    public async Task EsmtpFeatures_CanBeWithheld()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { Pipelining = false, EightBitMime = false, Dsn = false, EnhancedStatusCodes = false });
        using var client = await RecordingSmtpClient.ConnectAsync(sink.EndPoint);
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime));
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.Dsn));
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.EnhancedStatusCodes));
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.Authentication));
    }

    [Fact]
    public async Task Sessions_TwoSequentialLoops_NeverMoreThanTwoConcurrent()
    {
        await using var sink = await SmtpSink.StartAsync();
        async Task Loop(int loop)
        {
            for (var i = 0; i < 5; i++)
            {
                using var client = await RecordingSmtpClient.ConnectAsync(sink.EndPoint);
                await client.SendAsync(TestMessages.Create("a@client.test", $"l{loop}m{i}@far.test"));
                await client.DisconnectAsync(true);
            }
        }

        await Task.WhenAll(Loop(1), Loop(2));
        await sink.WaitForIdleAsync();

        var sessions = sink.GetSessionStatistics();
        Assert.Equal(10, sessions.Total);
        Assert.InRange(sessions.MaxConcurrent, 1, 2);
        Assert.Equal(0, sessions.Open);
        Assert.Equal(10, (await sink.WaitForMessagesAsync(10)).Count);
    }

    [Fact]
    public async Task Sessions_HeldOpenInParallel_AreCountedConcurrent()
    {
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { CommandDelays = new Dictionary<string, TimeSpan> { ["RCPT"] = TimeSpan.FromSeconds(1) } });
        var result = await SmtpSource.RunAsync(sink.EndPoint, new SmtpSourceOptions { Sessions = 4, Messages = 4, From = "a@client.test", To = "b@far.test" });
        Assert.True(result.ExitCode == 0, result.Output);
        await sink.WaitForIdleAsync();
        Assert.Equal(new SmtpSinkSessions(4, 4, 0), sink.GetSessionStatistics());
        Assert.Equal(4, sink.CountMessagesThisRun());
    }

    [Fact]
    public async Task Dispose_EndsTheProcess()
    {
        var sink = await SmtpSink.StartAsync();
        var pids = sink.ProcessIds;
        Assert.Single(pids);
        await sink.DisposeAsync();
        Assert.False(ProcessTree.IsAlive(pids[0]));
        Assert.False(SocketTable.IsListening(sink.Address, sink.Port));
    }
}
