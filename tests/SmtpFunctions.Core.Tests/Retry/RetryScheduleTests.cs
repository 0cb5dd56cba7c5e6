using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Retry;

namespace SmtpFunctions.Core.Tests.Retry;

public sealed class RetryScheduleTests
{
    private static readonly DateTimeOffset Submitted = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static RetrySchedule Schedule(double random = 0.5, Action<RetryOptions>? configure = null)
    {
        var options = new RetryOptions();
        configure?.Invoke(options);
        return new RetrySchedule(Microsoft.Extensions.Options.Options.Create(options), () => random);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 5)]
    [InlineData(2, 15)]
    [InlineData(3, 30)]
    [InlineData(4, 60)]
    [InlineData(5, 120)]
    [InlineData(6, 240)]
    [InlineData(7, 240)]
    [InlineData(30, 240)]
    public void NextAttempt_FollowsTheDefaultScheduleThenEveryFourHours(int round, int minutes)
    {
        var now = Submitted.AddHours(1);

        var next = Schedule().NextAttempt(round, Submitted, now);

        Assert.Equal(now.AddMinutes(minutes), next);
    }

    [Fact]
    public void NextAttempt_AppliesJitterWithinTheConfiguredFraction()
    {
        var now = Submitted;

        Assert.Equal(now.AddMinutes(54), Schedule(0.0).NextAttempt(4, Submitted, now));
        Assert.Equal(now.AddMinutes(66) - TimeSpan.FromTicks(60), Schedule(0.9999999).NextAttempt(4, Submitted, now)!.Value, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void NextAttempt_AfterTheQueueLifetime_IsNull()
    {
        Assert.Null(Schedule().NextAttempt(10, Submitted, Submitted.AddDays(5)));
        Assert.Null(Schedule().NextAttempt(10, Submitted, Submitted.AddDays(6)));
    }

    [Fact]
    public void NextAttempt_NearTheDeadline_IsPulledInToTheDeadline()
    {
        var now = Submitted.AddDays(5).AddHours(-1);

        Assert.Equal(Submitted.AddDays(5), Schedule().NextAttempt(10, Submitted, now));
    }

    [Fact]
    public void Schedule_IsConfigurable()
    {
        var schedule = Schedule(configure: o =>
        {
            o.Schedule = "00:00:01, 00:00:02";
            o.QueueLifetime = TimeSpan.FromSeconds(30);
            o.Jitter = 0;
        });

        Assert.Equal(Submitted.AddSeconds(1), schedule.NextAttempt(0, Submitted, Submitted));
        Assert.Equal(Submitted.AddSeconds(2), schedule.NextAttempt(5, Submitted, Submitted));
        Assert.Null(schedule.NextAttempt(5, Submitted, Submitted.AddSeconds(30)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("00:01:00,-00:01:00")]
    public void Options_RejectABadSchedule(string value)
    {
        var options = new RetryOptions { Schedule = value };

        var results = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).ToList();

        Assert.NotEmpty(results);
    }
}
