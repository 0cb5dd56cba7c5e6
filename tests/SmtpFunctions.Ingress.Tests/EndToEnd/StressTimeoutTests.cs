using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Ingress.Network;
using SmtpFunctions.Ingress.Tests.Fixtures;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

/// <summary>
/// Postfix's stress mode: with 20 unauthenticated slots and the pressure at half of them, the tenth idle connection puts
/// the ingress under pressure, and idle unauthenticated connections are cut after <c>StressCommandTimeout</c> (1 s)
/// instead of <c>CommandTimeout</c> (5 min) until it is over; authenticated ones keep the normal limits.
/// </summary>
public sealed class StressTimeoutTests(StressTimeoutTests.Ingress ingress) : IClassFixture<StressTimeoutTests.Ingress>
{
    [Fact]
    public async Task UnderPressure_IdleUnauthenticatedConnectionsGet421_AuthenticatedOnesStay()
    {
        var limiter = ingress.Server.Services.GetRequiredService<ConnectionLimiter>();
        await using var user = await RawSmtpClient.ConnectAsync(ingress.Server.StartTlsPort, new IPAddress([127, 0, 2, 200]));
        await user.StartTlsAsync();
        Assert.StartsWith("235 2.7.0", await user.AuthPlainAsync(TestAccounts.Bob, TestAccounts.BobPassword), StringComparison.Ordinal);

        var idle = new List<RawSmtpClient>();
        try
        {
            for (byte i = 1; i <= 9; i++)
            {
                idle.Add(await RawSmtpClient.ConnectAsync(ingress.Server.StartTlsPort, new IPAddress([127, 0, 2, i])));
            }

            Assert.False(limiter.UnderPressure);
            Assert.True(await idle[0].IsSilentAsync(TimeSpan.FromSeconds(2)), "cut before the pressure began");

            idle.Add(await RawSmtpClient.ConnectAsync(ingress.Server.StartTlsPort, new IPAddress([127, 0, 2, 10])));

            // The tenth starts the pressure; idle ones are cut with the stress limit until it is over (two thirds of 10).
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                while (limiter.UnderPressure || limiter.Unauthenticated > 6)
                {
                    await Task.Delay(20, timeout.Token);
                }
            }

            var cut = new List<string>();
            var kept = new List<RawSmtpClient>();
            foreach (var client in idle)
            {
                try
                {
                    cut.Add(await client.ReadReplyAsync(TimeSpan.FromMilliseconds(500)));
                }
                catch (TimeoutException)
                {
                    kept.Add(client);
                }
            }

            Assert.True(cut.Count >= 4, $"{cut.Count} cut");
            Assert.All(cut, reply => Assert.StartsWith($"421 4.4.2 {IngressServer.Name} Error: timeout exceeded", reply, StringComparison.Ordinal));
            Assert.Equal(idle.Count - cut.Count, kept.Count);
            Assert.Equal(kept.Count, limiter.Unauthenticated);

            // Without pressure the survivors have the normal limit again, and the logged-in user never had another.
            Assert.True(await kept[0].IsSilentAsync(TimeSpan.FromSeconds(2)));
            Assert.StartsWith("250 2.0.0", await kept[0].CommandAsync("NOOP"), StringComparison.Ordinal);
            Assert.StartsWith("250 2.0.0", await user.CommandAsync("NOOP"), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var client in idle)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>Small caps, a long idle limit and a short stress one.</summary>
    public sealed class Ingress : OwnIngress
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Ingress:MaxConnectionsPerClient"] = "20",
            ["Ingress:MaxUnauthenticatedConnections"] = "20",
            ["Ingress:StressThresholdPercent"] = "50",
            ["Ingress:CommandTimeout"] = "00:05:00",
            ["Ingress:StressCommandTimeout"] = "00:00:01",
        };
    }
}
