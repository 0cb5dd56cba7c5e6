using System.Diagnostics;
using System.Text;
using SmtpFunctions.Ingress.Tests.Fixtures;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

[Collection(IngressCollection.Name)]
public sealed class AuthenticationTests(IngressFixture fixture)
{
    [Fact]
    public async Task Ehlo_OffersAuthOnlyAfterStartTls()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, IngressServer.Untrusted(10));

        var plain = await client.CommandAsync("EHLO client.test");
        var secure = await client.StartTlsAsync();

        Assert.StartsWith($"220 {IngressServer.Name} ESMTP", client.Greeting, StringComparison.Ordinal);
        Assert.Contains("250-STARTTLS", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH", plain, StringComparison.Ordinal);
        Assert.Contains("ENHANCEDSTATUSCODES", plain, StringComparison.Ordinal);
        Assert.Contains("250-SIZE 1048576", plain, StringComparison.Ordinal);
        Assert.Contains("AUTH PLAIN LOGIN", secure, StringComparison.Ordinal);
        Assert.DoesNotContain("STARTTLS", secure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AUTH PLAIN AGFsaWNlQGV4YW1wbGUuY29tAGFsaWNlLVBhNTV3b3JkIQ==")]
    [InlineData("AUTH LOGIN")]
    [InlineData("auth plain")]
    public async Task Auth_BeforeStartTls_IsRefusedWith530(string command)
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, IngressServer.Untrusted(10));
        await client.CommandAsync("EHLO client.test");

        Assert.Equal("530 5.7.0 Must issue a STARTTLS command first", await client.CommandAsync(command));
        Assert.StartsWith("530 5.7.0 Authentication required", await client.CommandAsync("MAIL FROM:<alice@example.com>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auth_Login_AcceptsTheRightPasswordAndRefusesAWrongOne()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, IngressServer.Untrusted(11));
        await client.StartTlsAsync();

        Assert.Equal("334 VXNlcm5hbWU6", await client.CommandAsync("AUTH LOGIN"));
        Assert.Equal("334 UGFzc3dvcmQ6", await client.CommandAsync(Base64(TestAccounts.Alice)));
        Assert.StartsWith("535 5.7.8", await client.CommandAsync(Base64("wrong")), StringComparison.Ordinal);
        Assert.StartsWith("530 5.7.0 Authentication required", await client.CommandAsync("MAIL FROM:<alice@example.com>"), StringComparison.Ordinal);
        Assert.Equal("334 VXNlcm5hbWU6", await client.CommandAsync("AUTH LOGIN"));
        Assert.Equal("334 UGFzc3dvcmQ6", await client.CommandAsync(Base64(TestAccounts.Alice)));
        Assert.StartsWith("235 2.7.0", await client.CommandAsync(Base64(TestAccounts.AlicePassword)), StringComparison.Ordinal);
        Assert.StartsWith("250 2.1.0", await client.CommandAsync("MAIL FROM:<alice@example.com>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auth_BruteForce_IsSlowedThenCutOffAcrossSessionsForThatAddressOnly()
    {
        var attacker = IngressServer.Untrusted(99);
        var timings = new List<TimeSpan>();
        var replies = new List<string>();

        // Limit 5 and delay after 2 (the fixture's settings): two quick failures, two slow ones, then 421 and the door shuts.
        for (var session = 0; session < 2; session++)
        {
            await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, attacker);
            await client.StartTlsAsync();
            for (var attempt = 0; attempt < 3 && replies.Count < 5; attempt++)
            {
                var started = Stopwatch.GetTimestamp();
                replies.Add(await client.AuthPlainAsync(TestAccounts.Alice, $"guess-{session}-{attempt}"));
                timings.Add(Stopwatch.GetElapsedTime(started));
            }

            if (replies.Count == 5)
            {
                Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
            }
        }

        Assert.All(replies.Take(4), r => Assert.StartsWith("535 5.7.8", r, StringComparison.Ordinal));
        Assert.StartsWith("421 4.7.0 Too many authentication failures", replies[4], StringComparison.Ordinal);
        Assert.True(timings[2] >= TimeSpan.FromMilliseconds(450), $"third failure answered after {timings[2]}");
        Assert.True(timings[3] >= TimeSpan.FromMilliseconds(450), $"fourth failure answered after {timings[3]}");

        // Even the right password is refused from that address now; another address is unaffected.
        await using (var again = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, attacker))
        {
            await again.StartTlsAsync();
            Assert.StartsWith("421 4.7.0", await again.AuthPlainAsync(TestAccounts.Alice, TestAccounts.AlicePassword), StringComparison.Ordinal);
            Assert.True(await again.IsClosedAsync(TimeSpan.FromSeconds(5)));
        }

        await using var other = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, IngressServer.Untrusted(98));
        await other.StartTlsAsync();
        Assert.StartsWith("235 2.7.0", await other.AuthPlainAsync(TestAccounts.Alice, TestAccounts.AlicePassword), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auth_AccountFromTheUsersFile_CanSubmitOverImplicitTls()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.ImplicitTlsPort, IngressServer.Untrusted(12), implicitTls: true);
        var ehlo = await client.CommandAsync("EHLO client.test");

        Assert.Contains("AUTH PLAIN LOGIN", ehlo, StringComparison.Ordinal);
        Assert.StartsWith("235 2.7.0", await client.AuthPlainAsync(TestAccounts.Carol, TestAccounts.CarolPassword), StringComparison.Ordinal);
        Assert.StartsWith("550 5.7.1", await client.CommandAsync("MAIL FROM:<carol@example.com>"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.1.0", await client.CommandAsync("MAIL FROM:<carol@example.net>"), StringComparison.Ordinal);
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
