using SmtpFunctions.Ingress.Options;
using SmtpFunctions.Ingress.Tests.Fixtures;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

/// <summary>
/// The ingress as Container Apps runs it: every connection comes from the platform's address (here every client shares
/// 127.0.0.90), so limits per address would lock everyone out. With <c>ClientAddresses=Proxied</c> the AUTH limit is per
/// account instead: ten bad passwords from "one address" lock only the account they were aimed at.
/// </summary>
public sealed class ProxiedAddressTests(ProxiedAddressTests.Ingress ingress) : IClassFixture<ProxiedAddressTests.Ingress>
{
    private static readonly System.Net.IPAddress Proxy = IngressServer.Untrusted(90);

    [Fact]
    public async Task TenBadPasswordsFromTheProxysAddress_LockOnlyTheAccountTheyWereAimedAt()
    {
        var replies = new List<string>();
        for (var session = 0; session < 3; session++)
        {
            await using var attacker = await RawSmtpClient.ConnectAsync(ingress.Server.StartTlsPort, Proxy);
            await attacker.StartTlsAsync();
            for (var attempt = 0; attempt < 4 && replies.Count < 10; attempt++)
            {
                // Three at Alice, the rest sprayed over names that do not exist.
                var user = replies.Count < 3 ? TestAccounts.Alice : $"guess{replies.Count}@example.com";
                replies.Add(await attacker.AuthPlainAsync(user, $"wrong-{session}-{attempt}"));
            }
        }

        Assert.Equal(10, replies.Count);
        Assert.All(replies, r => Assert.StartsWith("535 5.7.8", r, StringComparison.Ordinal));

        await using var client = await RawSmtpClient.ConnectAsync(ingress.Server.StartTlsPort, Proxy);
        await client.StartTlsAsync();
        // Alice is locked: even her right password is not looked at (and the lockout says nothing about it).
        Assert.StartsWith("454 4.7.0", await client.AuthPlainAsync(TestAccounts.Alice, TestAccounts.AlicePassword), StringComparison.Ordinal);
        // Everyone else behind the same address logs in.
        Assert.StartsWith("235 2.7.0", await client.AuthPlainAsync(TestAccounts.Bob, TestAccounts.BobPassword), StringComparison.Ordinal);
        Assert.StartsWith("250 2.1.0", await client.CommandAsync("MAIL FROM:<bob@example.org>"), StringComparison.Ordinal);

        await using var carol = await RawSmtpClient.ConnectAsync(ingress.Server.StartTlsPort, Proxy);
        await carol.StartTlsAsync();
        Assert.StartsWith("235 2.7.0", await carol.AuthPlainAsync(TestAccounts.Carol, TestAccounts.CarolPassword), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyConnectionsFromTheProxysAddress_AreNotCappedPerAddress()
    {
        // The test default of 4 per address would refuse the fifth; behind a proxy every client is "the same address".
        var clients = new List<RawSmtpClient>();
        try
        {
            for (var i = 0; i < 8; i++)
            {
                clients.Add(await RawSmtpClient.ConnectAsync(ingress.Server.StartTlsPort, Proxy));
            }

            Assert.All(clients, c => Assert.StartsWith("220 ", c.Greeting, StringComparison.Ordinal));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>Addresses proxied, three failures lock an account, no trusted network (it would be refused).</summary>
    public sealed class Ingress : OwnIngress
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Ingress:ClientAddresses"] = nameof(ClientAddressMode.Proxied),
            ["Ingress:TrustedNetworks"] = "",
            ["Ingress:AccountFailureLimit"] = "3",
            ["Ingress:AuthFailureDelayAfter"] = "3",
            ["Ingress:AuthFailureDelay"] = "00:00:00.050",
        };
    }
}
