using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Ingress.Network;
using SmtpFunctions.Ingress.Options;
using SmtpFunctions.Ingress.Tests.Options;

namespace SmtpFunctions.Ingress.Tests.Network;

public sealed class ConnectionLimiterTests
{
    [Fact]
    public void UnauthenticatedCapReached_TheOldestUnauthenticatedIsEvicted_NotTheNewcomer()
    {
        var limiter = Create(total: 10, unauthenticated: 3, perClient: 10);
        var first = Acquire(limiter, 1);
        var second = Acquire(limiter, 2);
        var third = Acquire(limiter, 3);
        var firstWake = first.Wake;

        var fourth = Acquire(limiter, 4);

        Assert.True(first.IsEvicted);
        Assert.True(firstWake.IsCancellationRequested);
        Assert.False(second.IsEvicted || third.IsEvicted || fourth.IsEvicted);
        Assert.Equal(3, limiter.Unauthenticated);
        Assert.Equal(3, limiter.Open);
        first.Dispose();
        Assert.Equal(3, limiter.Open);
    }

    [Fact]
    public void Drain_WakesEveryOpenConnection_AuthenticatedOrNot_AndTellsTheListeners()
    {
        using var limiter = Create(total: 10, unauthenticated: 5, perClient: 10);
        var guest = Acquire(limiter, 1);
        var member = Acquire(limiter, 2);
        member.Promote();
        var trusted = limiter.TryAcquire(Address(3), trusted: true, out _)!;
        var closed = Acquire(limiter, 4);
        closed.Dispose();
        var wakes = new[] { guest.Wake, member.Wake, trusted.Wake };
        var closedWake = closed.Wake;

        limiter.Drain();

        Assert.All(wakes, wake => Assert.True(wake.IsCancellationRequested));
        Assert.False(closedWake.IsCancellationRequested);
        Assert.True(guest.IsDraining && member.IsDraining && trusted.IsDraining);
        Assert.True(limiter.Draining.IsCancellationRequested);
        // A connection that arrives now sees it at its first look, and a second drain changes nothing.
        Assert.True(Acquire(limiter, 5).IsDraining);
        limiter.Drain();
        Assert.Equal(4, limiter.Open);
    }

    [Fact]
    public void AuthenticatedConnections_AreNeverEvicted_AndWhenAllAreTheNewcomerIsRefused()
    {
        var limiter = Create(total: 2, unauthenticated: 2, perClient: 10);
        var a = Acquire(limiter, 1);
        var b = Acquire(limiter, 2);
        a.Promote();
        b.Promote();

        Assert.Null(limiter.TryAcquire(Address(3), trusted: false, out var atLimit));
        Assert.False(atLimit);
        Assert.False(a.IsEvicted || b.IsEvicted);
        Assert.Equal(0, limiter.Unauthenticated);

        b.Dispose();
        Assert.NotNull(limiter.TryAcquire(Address(3), trusted: false, out _));
    }

    [Fact]
    public void TotalFull_ATrustedNewcomerEvictsAnUnauthenticatedOne()
    {
        var limiter = Create(total: 2, unauthenticated: 2, perClient: 10);
        var guest = Acquire(limiter, 1);
        Acquire(limiter, 2).Promote();

        var trusted = limiter.TryAcquire(Address(3), trusted: true, out _);

        Assert.NotNull(trusted);
        Assert.True(trusted.IsAuthenticated);
        Assert.True(guest.IsEvicted);
    }

    [Fact]
    public void PerClientCap_RefusesThatClientOnly_UnlessAddressesAreProxied()
    {
        var direct = Create(total: 10, unauthenticated: 10, perClient: 2);
        Acquire(direct, 1);
        Acquire(direct, 1);

        Assert.Null(direct.TryAcquire(Address(1), trusted: false, out var atLimit));
        Assert.True(atLimit);
        Assert.NotNull(direct.TryAcquire(Address(2), trusted: false, out _));
        Assert.NotNull(direct.TryAcquire(Address(1), trusted: true, out _));

        // Behind Container Apps every client has the proxy's address: a per-address cap would be a cap on everyone.
        var proxied = Create(total: 10, unauthenticated: 10, perClient: 2, proxied: true);
        for (var i = 0; i < 5; i++)
        {
            Acquire(proxied, 1);
        }

        Assert.Equal(5, proxied.Open);
    }

    [Fact]
    public void Pressure_StartsAtTheThreshold_EndsBelowTwoThirdsOfIt_AndWakesTheUnauthenticated()
    {
        var limiter = Create(total: 100, unauthenticated: 12, perClient: 100, stressPercent: 75);
        var slots = Enumerable.Range(1, 8).Select(i => Acquire(limiter, (byte)i)).ToList();
        Assert.False(limiter.UnderPressure);
        var wake = slots[0].Wake;

        slots.Add(Acquire(limiter, 9));

        Assert.True(limiter.UnderPressure);
        Assert.True(slots[0].UnderPressure);
        Assert.True(wake.IsCancellationRequested);
        Assert.False(slots[0].Wake.IsCancellationRequested);
        Assert.False(slots[0].IsEvicted);

        // 9 → 7 is not yet below two thirds of 9 (6); promotion counts as leaving the unauthenticated.
        slots[8].Promote();
        slots[7].Dispose();
        Assert.True(limiter.UnderPressure);
        slots[6].Dispose();
        Assert.False(limiter.UnderPressure);
    }

    private static ConnectionSlot Acquire(ConnectionLimiter limiter, byte client) =>
        limiter.TryAcquire(Address(client), trusted: false, out _) ?? throw new InvalidOperationException("refused");

    private static IPAddress Address(byte last) => new([192, 0, 2, last]);

    private static ConnectionLimiter Create(int total, int unauthenticated, int perClient, bool proxied = false, int stressPercent = 100)
    {
        var options = new IngressOptions
        {
            DevCertificate = true,
            MaxConnections = total,
            MaxUnauthenticatedConnections = unauthenticated,
            MaxConnectionsPerClient = perClient,
            StressThresholdPercent = stressPercent,
            ClientAddresses = proxied ? ClientAddressMode.Proxied : ClientAddressMode.Direct,
        };
        var settings = new IngressSettings(
            Microsoft.Extensions.Options.Options.Create(options),
            Microsoft.Extensions.Options.Options.Create(new SubmissionOptions()),
            IngressOptionsValidatorTests.Platform());
        return new ConnectionLimiter(settings, NullLogger<ConnectionLimiter>.Instance);
    }
}
