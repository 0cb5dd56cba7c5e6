using Microsoft.Extensions.Time.Testing;
using SmtpFunctions.Ingress.Accounts;
using SmtpFunctions.Ingress.Options;

namespace SmtpFunctions.Ingress.Tests.Accounts;

public sealed class AccountLockoutTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void RecordFailure_LocksTheAccountAtTheLimit_ForAccountLockout()
    {
        var lockout = Create(limit: 3);

        Assert.Null(lockout.RecordFailure("alice"));
        Assert.Null(lockout.RecordFailure("Alice"));
        Assert.False(lockout.IsLocked("alice", out _));
        Assert.Equal(TimeSpan.FromMinutes(1), lockout.RecordFailure("ALICE "));

        Assert.True(lockout.IsLocked("alice", out var remaining));
        Assert.Equal(TimeSpan.FromMinutes(1), remaining);
        Assert.False(lockout.IsLocked("bob", out _));
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.False(lockout.IsLocked("alice", out _));
    }

    [Fact]
    public void RepeatedLockouts_Double_UpToTheMaximum()
    {
        var lockout = Create(limit: 2, max: TimeSpan.FromMinutes(5));
        var lengths = new List<TimeSpan>();
        for (var round = 0; round < 5; round++)
        {
            lockout.RecordFailure("alice");
            lengths.Add(lockout.RecordFailure("alice")!.Value);
            _time.Advance(lengths[^1]);
        }

        Assert.Equal([TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5)], lengths);
    }

    [Fact]
    public void Success_ResetsFailuresAndDoubling()
    {
        var lockout = Create(limit: 2);
        lockout.RecordFailure("alice");
        lockout.RecordFailure("alice");
        _time.Advance(TimeSpan.FromMinutes(2));
        lockout.RecordFailure("alice");

        lockout.RecordSuccess("alice");

        Assert.Null(lockout.RecordFailure("alice"));
        Assert.Equal(TimeSpan.FromMinutes(1), lockout.RecordFailure("alice"));
    }

    [Fact]
    public void FailuresOutsideTheWindow_DoNotCount_AndQuietAccountsAreForgotten()
    {
        var lockout = Create(limit: 2);
        lockout.RecordFailure("alice");
        _time.Advance(TimeSpan.FromMinutes(16));

        Assert.Null(lockout.RecordFailure("alice"));
        for (var i = 0; i < 100; i++)
        {
            lockout.RecordFailure($"random-{i}");
        }

        _time.Advance(TimeSpan.FromMinutes(16));
        lockout.RecordFailure("trigger-sweep");

        Assert.Equal(1, lockout.Tracked);
    }

    [Fact]
    public void UnknownNames_AreLockedLikeKnownOnes()
    {
        var lockout = Create(limit: 1);

        Assert.NotNull(lockout.RecordFailure("nobody@example.com"));
        Assert.True(lockout.IsLocked("nobody@example.com", out _));
        Assert.NotNull(lockout.RecordFailure(null));
        Assert.True(lockout.IsLocked("", out _));
    }

    private AccountLockout Create(int limit, TimeSpan? max = null) =>
        new(_time, Microsoft.Extensions.Options.Options.Create(new IngressOptions
        {
            AccountFailureLimit = limit,
            AccountLockout = TimeSpan.FromMinutes(1),
            AccountLockoutMax = max ?? TimeSpan.FromHours(1),
            AuthFailureWindow = TimeSpan.FromMinutes(15),
        }));
}
