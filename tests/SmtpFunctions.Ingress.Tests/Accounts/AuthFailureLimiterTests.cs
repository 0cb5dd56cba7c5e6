using System.Net;
using Microsoft.Extensions.Time.Testing;
using SmtpFunctions.Ingress.Accounts;
using SmtpFunctions.Ingress.Options;

namespace SmtpFunctions.Ingress.Tests.Accounts;

public sealed class AuthFailureLimiterTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void RecordFailure_AnswersThenDelaysThenDisconnects()
    {
        var limiter = Create(delayAfter: 2, limit: 4);

        Assert.Equal(AuthFailureVerdict.Answer, limiter.RecordFailure(Client));
        Assert.Equal(AuthFailureVerdict.Answer, limiter.RecordFailure(Client));
        Assert.Equal(AuthFailureVerdict.Delay, limiter.RecordFailure(Client));
        Assert.False(limiter.IsBlocked(Client));
        Assert.Equal(AuthFailureVerdict.Disconnect, limiter.RecordFailure(Client));
        Assert.True(limiter.IsBlocked(Client));
    }

    [Fact]
    public void IsBlocked_EndsWhenFailuresLeaveTheWindow()
    {
        var limiter = Create(delayAfter: 1, limit: 2);
        limiter.RecordFailure(Client);
        _time.Advance(TimeSpan.FromMinutes(6));
        limiter.RecordFailure(Client);
        Assert.True(limiter.IsBlocked(Client));

        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.False(limiter.IsBlocked(Client));
    }

    [Fact]
    public void RecordFailure_CountsClientsApart()
    {
        var limiter = Create(delayAfter: 1, limit: 2);
        limiter.RecordFailure(Client);
        limiter.RecordFailure(Client);

        Assert.False(limiter.IsBlocked(IPAddress.Parse("192.0.2.11")));
    }

    [Fact]
    public void RecordFailure_CountsAnIPv6Slash64AsOneClient()
    {
        var limiter = Create(delayAfter: 1, limit: 2);
        limiter.RecordFailure(IPAddress.Parse("2001:db8:1:2::1"));
        limiter.RecordFailure(IPAddress.Parse("2001:db8:1:2:ffff::9"));

        Assert.True(limiter.IsBlocked(IPAddress.Parse("2001:db8:1:2::77")));
        Assert.False(limiter.IsBlocked(IPAddress.Parse("2001:db8:1:3::1")));
    }

    private AuthFailureLimiter Create(int delayAfter, int limit) =>
        new(_time, Microsoft.Extensions.Options.Options.Create(new IngressOptions
        {
            AuthFailureDelayAfter = delayAfter,
            AuthFailureLimit = limit,
            AuthFailureWindow = TimeSpan.FromMinutes(10),
        }));
}
