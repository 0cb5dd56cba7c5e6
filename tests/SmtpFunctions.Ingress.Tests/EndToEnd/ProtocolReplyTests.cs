using System.Globalization;
using System.Text;
using SmtpFunctions.Ingress.Tests.Fixtures;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

/// <summary>
/// The replies Postfix gives to envelope parameters it does not offer, to commands out of sequence, to AUTH PLAIN acting
/// as someone else and to a client that trickles: from a raw client and from Python's smtplib.
/// </summary>
[Collection(IngressCollection.Name)]
public sealed class ProtocolReplyTests(IngressFixture fixture) : IDisposable
{
    private const string SmtplibScript = """
        import base64, smtplib, ssl, sys
        port, alice, alice_password, bob, bob_password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
        def show(name, reply):
            print(name, reply[0], reply[1].decode())
        # From 127.0.0.1, the trusted network: the envelope replies need no AUTH.
        with smtplib.SMTP("127.0.0.1", port, local_hostname="python.client.test", timeout=30) as smtp:
            smtp.ehlo()
            show("SIZE23", smtp.mail("a@example.com", ["SIZE=12345678901234567890123"]))
            show("SIZEBAD", smtp.mail("a@example.com", ["SIZE=abc"]))
            show("FOO", smtp.mail("a@example.com", ["FOO=bar"]))
            show("NOTIFY", smtp.mail("a@example.com", ["NOTIFY=NEVER"]))
            show("MAIL", smtp.mail("a@example.com", ["SIZE=1000", "BODY=8BITMIME"]))
            show("MAIL2", smtp.mail("a@example.com"))
            show("RCPTNOTIFY", smtp.rcpt("b@example.net", ["NOTIFY=SUCCESS"]))
            smtp.rset()
            show("RCPTFIRST", smtp.rcpt("b@example.net"))
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with smtplib.SMTP("127.0.0.1", port, local_hostname="python.client.test", timeout=30, source_address=("127.0.0.7", 0)) as smtp:
            smtp.starttls(context=context)
            smtp.ehlo()
            proxy = base64.b64encode(("%s\0%s\0%s" % (alice, bob, bob_password)).encode()).decode()
            show("AUTHZID", smtp.docmd("AUTH", "PLAIN " + proxy))
            show("AUTHSELF", smtp.docmd("AUTH", "PLAIN " + base64.b64encode(("%s\0%s\0%s" % (bob, bob, bob_password)).encode()).decode()))
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("ingress-replies-").FullName;

    [Theory]
    [InlineData("MAIL FROM:<a@example.com> SIZE=12345678901234567890123", "552 5.3.4")]
    [InlineData("MAIL FROM:<a@example.com> SIZE=1048577", "552 5.3.4")]
    [InlineData("MAIL FROM:<a@example.com> SIZE=12a", "501 5.5.4")]
    [InlineData("MAIL FROM:<a@example.com> FOO=bar", "555 5.5.4 Unsupported option: FOO=bar")]
    [InlineData("MAIL FROM:<a@example.com> NOTIFY=NEVER", "555 5.5.4 Unsupported option: NOTIFY=NEVER")]
    [InlineData("MAIL FROM:<a@example.com> RET=FULL ENVID=x", "555 5.5.4 Unsupported option: RET=FULL")]
    public async Task MailWithParametersWeDoNotOffer_IsRefusedLikePostfix_AndTheSessionGoesOn(string command, string reply)
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort);
        await client.CommandAsync("EHLO params.test");

        Assert.StartsWith(reply, await client.CommandAsync(command), StringComparison.Ordinal);
        Assert.StartsWith("250 2.1.0", await client.CommandAsync("MAIL FROM:<a@example.com> SIZE=1000 BODY=8BITMIME"), StringComparison.Ordinal);
        Assert.StartsWith("555 5.5.4 Unsupported option: NOTIFY=NEVER", await client.CommandAsync("RCPT TO:<b@example.net> NOTIFY=NEVER"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.1.5", await client.CommandAsync("RCPT TO:<b@example.net>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandsOutOfSequence_Get503_5_5_1()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort);
        await client.CommandAsync("EHLO sequence.test");

        Assert.Equal("503 5.5.1 Error: need MAIL command", await client.CommandAsync("RCPT TO:<b@example.net>"));
        Assert.Equal("503 5.5.1 Error: need RCPT command", await client.CommandAsync("DATA"));
        Assert.StartsWith("250 2.1.0", await client.CommandAsync("MAIL FROM:<a@example.com>"), StringComparison.Ordinal);
        Assert.Equal("503 5.5.1 Error: nested MAIL command", await client.CommandAsync("MAIL FROM:<other@example.com>"));
        Assert.StartsWith("250 2.1.5", await client.CommandAsync("RCPT TO:<b@example.net>"), StringComparison.Ordinal);
        Assert.Equal("503 5.5.1 Error: nested MAIL command", await client.CommandAsync("MAIL FROM:<other@example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
        var id = TestMessages.QueuedId(await client.CommandAsync(TestMessages.Simple("a@example.com", "b@example.net", "after the refusals") + "."));
        Assert.NotNull(id);
        var (message, _) = await fixture.Server.Storage.RowsOfAsync(id);
        Assert.Equal("a@example.com", message!.Sender);
    }

    [Fact]
    public async Task AuthPlain_ActingAsAnotherIdentity_IsRefusedWith535_InTheCommandAndInTheContinuation()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, IngressServer.Untrusted(70));
        await client.StartTlsAsync();

        // Bob's own password, asking to act as Alice (RFC 4616 authzid): SmtpServer alone would log Bob in and ignore it.
        Assert.StartsWith("535 5.7.8", await client.CommandAsync("AUTH PLAIN " + Plain(TestAccounts.Alice, TestAccounts.Bob, TestAccounts.BobPassword)), StringComparison.Ordinal);
        Assert.StartsWith("530 5.7.0", await client.CommandAsync("MAIL FROM:<bob@example.org>"), StringComparison.Ordinal);
        Assert.StartsWith("334", await client.CommandAsync("AUTH PLAIN"), StringComparison.Ordinal);
        Assert.StartsWith("535 5.7.8", await client.CommandAsync(Plain(TestAccounts.Alice, TestAccounts.Bob, TestAccounts.BobPassword)), StringComparison.Ordinal);

        // The same with the authzid empty, or Bob's own, is a plain login.
        Assert.StartsWith("235 2.7.0", await client.CommandAsync("AUTH PLAIN " + Plain(TestAccounts.Bob, TestAccounts.Bob, TestAccounts.BobPassword)), StringComparison.Ordinal);
        Assert.StartsWith("550 5.7.1", await client.CommandAsync("MAIL FROM:<alice@example.com>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TricklingData_IsClosedWith421_4_4_2_TimeoutExceeded_BeforeTheSessionLimit()
    {
        // The fixture's CommandTimeout is 5 s and MinDataRate 500 octets/s: an octet every 100 ms never idles, but DATA
        // must be done within 5 s plus 1 s per 500 octets.
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort);
        await client.CommandAsync("EHLO trickle.test");
        await client.BeginMessageAsync("slow@example.com", "b@example.net");
        var reply = client.ReadReplyAsync(TimeSpan.FromSeconds(30));
        var sent = 0;

        while (!reply.IsCompleted)
        {
            try
            {
                await client.SendAsync("X");
                sent++;
            }
            catch (IOException)
            {
                break;
            }

            await Task.WhenAny(reply, Task.Delay(100));
        }

        Assert.StartsWith($"421 4.4.2 {IngressServer.Name} Error: timeout exceeded", await reply, StringComparison.Ordinal);
        Assert.InRange(sent, 20, 200);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task SteadyData_OutlastingCommandTimeout_IsAccepted_WhileItKeepsTheMinimumRate()
    {
        // 1,000 octets every 200 ms is 5,000 octets/s, ten times MinDataRate: DATA may take longer than the 5 s
        // CommandTimeout, since every 500 octets received add a second.
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort);
        await client.CommandAsync("EHLO steady.test");
        await client.BeginMessageAsync("steady@example.com", "b@example.net");
        await client.SendAsync(TestMessages.Simple("steady@example.com", "b@example.net", "steady").TrimEnd('\r', '\n') + "\r\n");
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var line = new string('s', 998) + "\r\n";
        while (System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(8))
        {
            await client.SendAsync(line);
            Assert.True(await client.IsSilentAsync(TimeSpan.FromMilliseconds(200)), "cut while above the minimum rate");
        }

        Assert.NotNull(TestMessages.QueuedId(await client.CommandAsync(".")));
    }

    [Fact]
    public async Task Smtplib_SeesPostfixsReplies()
    {
        var script = Path.Combine(_folder, "replies.py");
        await File.WriteAllTextAsync(script, SmtplibScript);

        var (exit, output) = await ClientTools.RunAsync(ClientTools.Python,
            [script, fixture.Server.StartTlsPort.ToString(CultureInfo.InvariantCulture), TestAccounts.Alice, TestAccounts.AlicePassword, TestAccounts.Bob, TestAccounts.BobPassword]);

        Assert.True(exit == 0, output);
        var replies = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 3)).Where(p => p.Length == 3).ToDictionary(p => p[0], p => $"{p[1]} {p[2]}");
        Assert.StartsWith("552 5.3.4", replies["SIZE23"], StringComparison.Ordinal);
        Assert.StartsWith("501 5.5.4", replies["SIZEBAD"], StringComparison.Ordinal);
        Assert.StartsWith("555 5.5.4", replies["FOO"], StringComparison.Ordinal);
        Assert.StartsWith("555 5.5.4", replies["NOTIFY"], StringComparison.Ordinal);
        Assert.StartsWith("250 2.1.0", replies["MAIL"], StringComparison.Ordinal);
        Assert.StartsWith("503 5.5.1", replies["MAIL2"], StringComparison.Ordinal);
        Assert.StartsWith("555 5.5.4", replies["RCPTNOTIFY"], StringComparison.Ordinal);
        Assert.StartsWith("503 5.5.1", replies["RCPTFIRST"], StringComparison.Ordinal);
        Assert.StartsWith("535 5.7.8", replies["AUTHZID"], StringComparison.Ordinal);
        Assert.StartsWith("235 2.7.0", replies["AUTHSELF"], StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Plain(string authzid, string user, string password) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{authzid}\0{user}\0{password}"));
}
