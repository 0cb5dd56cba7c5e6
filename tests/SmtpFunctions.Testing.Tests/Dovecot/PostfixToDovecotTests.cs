using MailKit;
using MimeKit;
using SmtpFunctions.Testing.Dovecot;
using SmtpFunctions.Testing.Postfix;
using SmtpFunctions.Testing.Processes;
using SmtpFunctions.Testing.Tests.Clients;
using SmtpFunctions.Testing.Tls;

namespace SmtpFunctions.Testing.Tests.Dovecot;

public sealed class PostfixToDovecotTests
{
    [Fact]
    public async Task Mail_GoesPostfixLmtpDovecot_AndIsFetchedOverImapIntact()
    {
        var folder = Path.Combine(Path.GetTempPath(), "smtpfunctions-peers-tests-" + Guid.NewGuid().ToString("N")[..8]);
        using var certificate = TestCertificate.Create(folder, "imap.mda.test");
        IReadOnlyList<int> dovecotPids;
        await using (var dovecot = await DovecotInstance.StartAsync(new DovecotOptions { HostName = "imap.mda.test", TlsCertificate = certificate }.AddUser("dana@mda.test", "s3cret")))
        {
            var options = new PostfixOptions { HostName = "mx.mda.test", LmtpDestination = dovecot.LmtpEndPoint };
            options.MailboxDomains.Add("mda.test");
            await using var postfix = await PostfixInstance.StartAsync(options);

            var message = TestMessages.Create("sender@client.test", "dana@mda.test", "Through LMTP — ünïcode");
            using (var client = await RecordingSmtpClient.ConnectAsync(postfix.EndPoint))
            {
                await client.SendAsync(message);
                await client.DisconnectAsync(true);
            }

            var fetched = Assert.Single(await dovecot.WaitForMessagesAsync("dana@mda.test"));
            Assert.Equal(message.MessageId, fetched.MessageId);
            Assert.Equal(message.Subject, fetched.Subject);
            Assert.Equal(message.TextBody, fetched.TextBody);
            var attachment = Assert.IsType<MimePart>(Assert.Single(fetched.Attachments));
            using var content = new MemoryStream();
            await attachment.Content!.DecodeToAsync(content);
            Assert.Equal(Enumerable.Range(0, 3000).Select(i => (byte)i), content.ToArray());
            var received = fetched.Headers.Where(h => h.Id == HeaderId.Received).Select(h => h.Value).ToList();
            Assert.Contains(received, r => r.Contains("by imap.mda.test with LMTP", StringComparison.Ordinal));
            Assert.Contains(received, r => r.Contains("by mx.mda.test (Postfix)", StringComparison.Ordinal));

            using (var imap = await dovecot.ConnectImapAsync("dana@mda.test"))
            {
                Assert.True(imap.IsSecure);
                await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
                Assert.Equal(1, imap.Inbox.Count);
            }

            Assert.Contains("saved mail to INBOX", dovecot.ReadLog(), StringComparison.Ordinal);
            dovecotPids = dovecot.ProcessIds;
        }

        Assert.All(dovecotPids, pid => Assert.False(ProcessTree.IsAlive(pid), $"Dovecot PID {pid} still alive"));
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Lmtp_UnknownUser_Is550()
    {
        await using var dovecot = await DovecotInstance.StartAsync(new DovecotOptions().AddUser("known@mda.test", "pw"));
        var result = await SmtpSource.RunAsync(dovecot.LmtpEndPoint, new SmtpSourceOptions { Lmtp = true, From = "a@client.test", To = "unknown@mda.test" });
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("550", result.Output, StringComparison.Ordinal);

        dovecot.AddUser("later@mda.test", "pw2");
        var ok = await SmtpSource.RunAsync(dovecot.LmtpEndPoint, new SmtpSourceOptions { Lmtp = true, From = "a@client.test", To = "later@mda.test" });
        Assert.True(ok.ExitCode == 0, ok.Output);
        Assert.Single(await dovecot.WaitForMessagesAsync("later@mda.test"));
    }
}
