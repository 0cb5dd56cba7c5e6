using SmtpFunctions.Ingress.Tests.Fixtures;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

/// <summary>
/// A client that keeps a slot busy without ever logging in — NOOP after NOOP, never idle — is closed once
/// <c>PreAuthTimeout</c> (here 2 s) has passed since it connected; a client that logged in is not.
/// </summary>
public sealed class PreAuthTimeoutTests(PreAuthTimeoutTests.Ingress ingress) : IClassFixture<PreAuthTimeoutTests.Ingress>
{
    [Fact]
    public async Task BusyButUnauthenticated_IsClosedAtPreAuthTimeout_AuthenticatedIsNot()
    {
        await using var loiterer = await RawSmtpClient.ConnectAsync(ingress.Server.StartTlsPort, IngressServer.Untrusted(80));
        await using var user = await RawSmtpClient.ConnectAsync(ingress.Server.StartTlsPort, IngressServer.Untrusted(81));
        await user.StartTlsAsync();
        Assert.StartsWith("235 2.7.0", await user.AuthPlainAsync(TestAccounts.Alice, TestAccounts.AlicePassword), StringComparison.Ordinal);

        // A NOOP every 50 ms: never idle for long, so only the pre-AUTH limit can end it (within 10 s, or the test fails).
        string reply;
        var noops = 0;
        do
        {
            reply = await loiterer.CommandAsync("NOOP");
            await user.CommandAsync("NOOP");
            noops++;
            await Task.Delay(50);
        }
        while (reply.StartsWith("250", StringComparison.Ordinal) && noops < 200);

        Assert.StartsWith($"421 4.4.2 {IngressServer.Name} Error: timeout exceeded waiting for authentication", reply, StringComparison.Ordinal);
        Assert.True(noops > 5, $"cut after {noops} NOOPs");
        Assert.True(await loiterer.IsClosedAsync(TimeSpan.FromSeconds(5)));
        Assert.StartsWith("250 2.0.0", await user.CommandAsync("NOOP"), StringComparison.Ordinal);
    }

    /// <summary>PreAuthTimeout 2 s (and its stress value no longer).</summary>
    public sealed class Ingress : OwnIngress
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Ingress:PreAuthTimeout"] = "00:00:02",
            ["Ingress:MaxProtocolErrors"] = "1000",
        };
    }
}
