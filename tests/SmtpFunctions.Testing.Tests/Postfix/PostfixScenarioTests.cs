using System.Net;
using MailKit.Net.Smtp;
using MimeKit;
using SmtpFunctions.Testing.Postfix;
using SmtpFunctions.Testing.Processes;
using SmtpFunctions.Testing.Tests.Clients;

namespace SmtpFunctions.Testing.Tests.Postfix;

/// <summary>Postfix instances set up for one scenario each.</summary>
public sealed class PostfixScenarioTests
{
    [Fact]
    public async Task Options_WithoutTlsOrSmtpUtf8_AreNotAnnounced()
    {
        var options = new PostfixOptions { SmtpUtf8 = false };
        options.MailboxDomains.Add("plain.test");
        options.DiscardedEhloKeywords.Add("pipelining");
        options.DiscardedEhloKeywords.Add("8bitmime");
        await using var postfix = await PostfixInstance.StartAsync(options);

        using var client = await RecordingSmtpClient.ConnectAsync(postfix.EndPoint);
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.StartTLS));
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.UTF8));
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Size));

        // Any local part of a mailbox domain gets its own Maildir.
        await client.SendAsync(TestMessages.Create("a@client.test", "Carol.Smith@plain.test"));
        await client.DisconnectAsync(true);
        Assert.Single(await postfix.WaitForMailboxAsync("carol.smith@plain.test"));
    }

    [Fact]
    public async Task GreylistPolicy_Defers451ThenAcceptsTheRetry()
    {
        var options = new PostfixOptions { Policy = PostfixPolicies.Greylist() };
        options.MailboxDomains.Add("grey.test");
        await using var postfix = await PostfixInstance.StartAsync(options);
        var message = TestMessages.Create("a@client.test", "user@grey.test");

        using (var first = await RecordingSmtpClient.ConnectAsync(postfix.EndPoint))
        {
            await Assert.ThrowsAsync<SmtpCommandException>(() => first.SendAsync(message));
            var (address, response) = Assert.Single(first.Rejected);
            Assert.Equal("user@grey.test", address);
            Assert.Equal(451, (int)response.StatusCode);
            Assert.StartsWith("4.7.1 <user@grey.test>: Recipient address rejected: Greylisted", response.Response, StringComparison.Ordinal);
        }

        using (var retry = await RecordingSmtpClient.ConnectAsync(postfix.EndPoint))
        {
            await retry.SendAsync(message);
            Assert.Empty(retry.Rejected);
        }

        Assert.Single(await postfix.WaitForMailboxAsync("user@grey.test"));
        Assert.Contains(postfix.Policy!.Requests, r => r.ProtocolState == "END-OF-MESSAGE");
    }

    [Fact]
    public async Task ThrottlePolicy_Answers421AndDisconnects_ThenAccepts()
    {
        var options = new PostfixOptions { Policy = PostfixPolicies.FailFirst(1) };
        options.MailboxDomains.Add("busy.test");
        await using var postfix = await PostfixInstance.StartAsync(options);
        var message = TestMessages.Create("a@client.test", "user@busy.test");

        using (var first = await RecordingSmtpClient.ConnectAsync(postfix.EndPoint))
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => first.SendAsync(message));
            Assert.Contains("421", error.Message + string.Join(",", first.Rejected.Select(r => (int)r.Response.StatusCode)), StringComparison.Ordinal);
            Assert.False(first.IsConnected);
        }

        using (var retry = await RecordingSmtpClient.ConnectAsync(postfix.EndPoint))
        {
            await retry.SendAsync(message);
        }

        Assert.Single(await postfix.WaitForMailboxAsync("user@busy.test"));
    }

    [Fact]
    public async Task Relay_PassesSmtpSourceMailToSmtpSink()
    {
        await using var sink = await SmtpSink.StartAsync();
        var options = new PostfixOptions { RelayHost = sink.EndPoint };
        await using var postfix = await PostfixInstance.StartAsync(options);

        var result = await SmtpSource.RunAsync(postfix.EndPoint, new SmtpSourceOptions
        {
            Sessions = 4,
            Messages = 20,
            BodyLength = 2048,
            From = "load@client.test",
            To = "rcpt@far.test",
        });

        Assert.True(result.ExitCode == 0, result.Output);
        var received = await sink.WaitForMessagesAsync(20);
        Assert.All(received, m => Assert.Equal(["rcpt@far.test"], m.Recipients));
        Assert.All(received, m => Assert.True(m.Accepted));
        await postfix.WaitForEmptyQueueAsync();
        Assert.True(postfix.CpuTime > TimeSpan.Zero);
        Assert.Contains("status=sent", postfix.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispose_EndsEveryProcessAndRemovesTheFolder()
    {
        var options = new PostfixOptions();
        options.MailboxDomains.Add("gone.test");
        var postfix = await PostfixInstance.StartAsync(options);
        IReadOnlyList<int> pids;
        try
        {
            using (var client = await RecordingSmtpClient.ConnectAsync(postfix.EndPoint))
            {
                await client.SendAsync(TestMessages.Create("a@client.test", "x@gone.test"));
            }

            await postfix.WaitForMailboxAsync("x@gone.test");
            pids = postfix.ProcessIds;
            Assert.True(pids.Count >= 4, $"expected postfix-script, master, qmgr, postlogd…: {string.Join(",", pids)}");
        }
        finally
        {
            await postfix.DisposeAsync();
        }

        Assert.All(pids, pid => Assert.False(ProcessTree.IsAlive(pid), $"PID {pid} still alive"));
        Assert.False(Directory.Exists(postfix.Directory));
        Assert.False(SocketTable.IsListening(postfix.Address, postfix.Port));
    }

    [Fact]
    public async Task Start_WithBrokenConfiguration_ThrowsWithTheDiagnostics()
    {
        var options = new PostfixOptions();
        options.MainCf["queue_directory"] = "/nonexistent/queue";
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PostfixInstance.StartAsync(options));
        Assert.Contains("Postfix did not start", error.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/queue", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OnAnAddressOfItsOwn_LeavesOtherInstancesAlone()
    {
        await using var first = await PostfixInstance.StartAsync();
        await using var second = await PostfixInstance.StartAsync();
        Assert.NotEqual(first.Address, second.Address);
        Assert.NotEqual(IPAddress.Loopback, first.Address);
        await second.StopAsync();
        Assert.True(first.IsRunning);
        Assert.True(SocketTable.IsListening(first.Address, first.Port));
    }

    [Fact]
    public async Task Start_OnIpv6Loopback_DeliversToo()
    {
        var options = new PostfixOptions { Address = IPAddress.IPv6Loopback };
        options.MailboxDomains.Add("six.test");
        await using var postfix = await PostfixInstance.StartAsync(options);
        using (var client = await RecordingSmtpClient.ConnectAsync(postfix.EndPoint))
        {
            await client.SendAsync(TestMessages.Create("a@client.test", "v6@six.test"));
        }

        Assert.Single(await postfix.WaitForMailboxAsync("v6@six.test"));
    }

    [Fact]
    public async Task Restart_KeepsEndpointAndMail()
    {
        var options = new PostfixOptions();
        options.MailboxDomains.Add("again.test");
        await using var postfix = await PostfixInstance.StartAsync(options);
        using (var client = await RecordingSmtpClient.ConnectAsync(postfix.EndPoint))
        {
            await client.SendAsync(TestMessages.Create("a@client.test", "r@again.test"));
        }

        await postfix.WaitForMailboxAsync("r@again.test");
        var before = postfix.ProcessIds;
        await postfix.RestartAsync();

        Assert.All(before, pid => Assert.False(ProcessTree.IsAlive(pid)));
        Assert.True(SocketTable.IsListening(postfix.Address, postfix.Port));
        using (var client = await RecordingSmtpClient.ConnectAsync(postfix.EndPoint))
        {
            await client.SendAsync(TestMessages.Create("a@client.test", "r@again.test"));
        }

        Assert.Equal(2, (await postfix.WaitForMailboxAsync("r@again.test", 2)).Count);
    }

    [Fact]
    public async Task AcceptOnly_QueuesToDiskThenDiscards()
    {
        // The ingress benchmark's Postfix: smtpd accepts and queues like any MTA, the queue manager then drops the mail.
        var options = new PostfixOptions();
        options.MainCf["mynetworks"] = "127.0.0.0/8";
        options.MainCf["default_transport"] = "discard";
        await using var postfix = await PostfixInstance.StartAsync(options);

        var result = await SmtpSource.RunAsync(postfix.EndPoint, new SmtpSourceOptions { Sessions = 2, Messages = 20, BodyLength = 2048, From = "a@client.test", To = "b@far.test" });

        Assert.True(result.ExitCode == 0, result.Output);
        await postfix.WaitForEmptyQueueAsync();
        var log = postfix.ReadLog();
        Assert.Equal(20, log.Split('\n').Count(line => line.Contains("postfix/discard[", StringComparison.Ordinal) && line.Contains("status=sent", StringComparison.Ordinal)));
    }
}
