using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Ingress.Network;
using SmtpFunctions.Ingress.Tests.Fixtures;
using Xunit.Abstractions;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

/// <summary>
/// Slowloris through connection slots (issue 11): 55 addresses × 20 idle sockets are more than <c>MaxConnections</c>
/// (1000) with the production limits, and a client that logs in must still be served while they are all open.
/// </summary>
public sealed class SlotExhaustionTests(SlotExhaustionTests.Ingress ingress, ITestOutputHelper output) : IClassFixture<SlotExhaustionTests.Ingress>
{
    private const int Addresses = 55;
    private const int SocketsPerAddress = 20;

    [Fact]
    public async Task LegitimateClient_IsServed_While1100IdleSocketsFrom55AddressesAreOpen()
    {
        var limiter = ingress.Server.Services.GetRequiredService<ConnectionLimiter>();
        var attack = new List<TcpClient>();
        try
        {
            for (var address = 1; address <= Addresses; address++)
            {
                var from = new IPAddress([127, 0, 1, (byte)address]);
                var batch = Enumerable.Range(0, SocketsPerAddress).Select(async _ =>
                {
                    var tcp = new TcpClient(new IPEndPoint(from, 0));
                    await tcp.ConnectAsync(IPAddress.Loopback, ingress.Server.StartTlsPort);
                    return tcp;
                });
                attack.AddRange(await Task.WhenAll(batch));
            }

            // Every attacking connection has been accepted once the unauthenticated cap is full and no more are pending.
            await WaitUntilAsync(() => limiter.Unauthenticated == 800 && limiter.UnderPressure);
            Assert.Equal(Addresses * SocketsPerAddress, attack.Count(t => t.Connected));

            var started = Stopwatch.GetTimestamp();
            await using var client = await RawSmtpClient.ConnectAsync(ingress.Server.StartTlsPort, new IPAddress([127, 0, 0, 100]));
            Assert.StartsWith("220 ", client.Greeting, StringComparison.Ordinal);
            await client.StartTlsAsync();
            Assert.StartsWith("235 2.7.0", await client.AuthPlainAsync(TestAccounts.Alice, TestAccounts.AlicePassword), StringComparison.Ordinal);
            await client.BeginMessageAsync("alice@example.com", "friend@example.net");
            var reply = await client.CommandAsync(TestMessages.Simple("alice@example.com", "friend@example.net", "through the flood") + ".");
            var elapsed = Stopwatch.GetElapsedTime(started);

            Assert.NotNull(TestMessages.QueuedId(reply));
            // The newcomer took the place of the oldest idle socket, then left the unauthenticated ones by logging in.
            Assert.True(limiter.UnderPressure);
            Assert.Equal(799, limiter.Unauthenticated);
            Assert.Equal(800, limiter.Open);
            output.WriteLine($"1,100 idle sockets open from 55 addresses; the unauthenticated cap held 800 of them; the logged-in client was served in {elapsed.TotalMilliseconds:F0} ms: {reply}");
        }
        finally
        {
            foreach (var tcp in attack)
            {
                tcp.Dispose();
            }
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>The production connection limits and idle timeout; stress timeouts long enough that the flood stays open throughout.</summary>
    public sealed class Ingress : OwnIngress
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Ingress:MaxConnections"] = "1000",
            ["Ingress:MaxConnectionsPerClient"] = "20",
            ["Ingress:MaxUnauthenticatedConnections"] = "800",
            ["Ingress:CommandTimeout"] = "00:05:00",
            ["Ingress:StressCommandTimeout"] = "00:02:00",
            ["Ingress:StressPreAuthTimeout"] = "00:02:00",
        };
    }
}
