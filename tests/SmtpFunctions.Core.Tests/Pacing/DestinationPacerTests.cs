using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Pacing;

namespace SmtpFunctions.Core.Tests.Pacing;

public sealed class DestinationPacerTests
{
    [Fact]
    public async Task Acquire_UnderTheCap_GoesAtOnce_AtTheCap_WaitsForARelease()
    {
        using var h = new PacerHarness(o => { o.MaxConcurrentSessions = 2; o.SlotWaitTimeout = TimeSpan.FromSeconds(2); });
        using var first = await h.LeaseAsync();
        using var second = await h.LeaseAsync();

        var third = h.Pacer.AcquireAsync("one.test", CancellationToken.None);
        await Task.Delay(50);
        Assert.False(third.IsCompleted);
        Assert.Equal(2, h.Pacer.ActiveSessions(PacerHarness.Provider));

        first.Dispose();
        var decision = await third;

        Assert.NotNull(decision.Lease);
        Assert.Equal(2, h.Pacer.ActiveSessions(PacerHarness.Provider));
        decision.Lease!.Dispose();
        second.Dispose();
        Assert.Equal(0, h.Pacer.ActiveSessions(PacerHarness.Provider));
    }

    [Fact]
    public async Task Acquire_WhenNoSlotFreesWithinTheWait_DefersWithoutHoldingOne()
    {
        using var h = new PacerHarness(o => { o.MaxConcurrentSessions = 1; o.SlotWaitTimeout = TimeSpan.FromSeconds(2); o.DeferDelay = TimeSpan.FromSeconds(10); }, random: 0.5);
        using var held = await h.LeaseAsync();

        var waiting = h.Pacer.AcquireAsync("one.test", CancellationToken.None);
        await Task.Delay(20);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        var decision = await waiting;

        Assert.Null(decision.Lease);
        Assert.Equal(DeferralReason.Concurrency, decision.Reason);
        // DeferDelay plus half of it again (the spread, at random 0.5).
        Assert.Equal(h.Time.GetUtcNow() + TimeSpan.FromSeconds(15), decision.DeferUntil);
        Assert.Equal(1, h.Pacer.ActiveSessions(PacerHarness.Provider));
        var deferral = Assert.Single(h.Deferrals.GetMeasurementSnapshot());
        Assert.Equal("concurrency", deferral.Tags["reason"]);
        Assert.Equal("one.test", deferral.Tags["domain"]);

        held.Dispose();
        Assert.Equal(0, h.Pacer.ActiveSessions(PacerHarness.Provider));
    }

    [Fact]
    public async Task Acquire_ManyConcurrentJobs_NeverMoreThanTheCapAtOnce()
    {
        using var h = new PacerHarness(o => { o.MaxConcurrentSessions = 3; o.SlotWaitTimeout = TimeSpan.FromMinutes(1); });
        var inUse = 0;
        var most = 0;

        async Task JobAsync(int i)
        {
            using var lease = await h.LeaseAsync(i % 2 == 0 ? "one.test" : "two.test");
            var now = Interlocked.Increment(ref inUse);
            InterlockedMax(ref most, now);
            await Task.Delay(i % 3);
            Interlocked.Decrement(ref inUse);
        }

        await Task.WhenAll(Enumerable.Range(0, 60).Select(i => Task.Run(() => JobAsync(i))));

        Assert.Equal(3, most);
        Assert.Equal(0, h.Pacer.ActiveSessions(PacerHarness.Provider));
    }

    [Fact]
    public async Task Acquire_DomainsSharingAnMxSet_ShareTheCap_OtherDestinationsDoNot()
    {
        using var h = new PacerHarness(o => { o.MaxConcurrentSessions = 1; o.SlotWaitTimeout = TimeSpan.Zero; });
        using var one = await h.LeaseAsync("one.test");

        var two = await h.Pacer.AcquireAsync("two.test", CancellationToken.None);
        using var other = await h.LeaseAsync("other.test");

        Assert.Null(two.Lease);
        Assert.Equal(PacerHarness.Provider, two.Destination);
        Assert.Equal("mx:mx.other.test:25", other.Destination);
    }

    [Fact]
    public async Task Acquire_WithASmartHost_EveryDomainSharesIt()
    {
        using var h = new PacerHarness(o => { o.MaxConcurrentSessions = 1; o.SlotWaitTimeout = TimeSpan.Zero; }, d => d.SmartHost.Host = "relay.example.net");
        using var one = await h.LeaseAsync("one.test");

        var other = await h.Pacer.AcquireAsync("other.test", CancellationToken.None);

        Assert.Equal("smarthost:relay.example.net:587", one.Destination);
        Assert.Null(other.Lease);
    }

    [Fact]
    public async Task Acquire_DomainWithoutARoute_IsNotPaced()
    {
        using var h = new PacerHarness(o => o.MaxConcurrentSessions = 1);
        h.Resolver.Fail("gone.test", FailureClassifier.NullMx("gone.test"));

        using var first = await h.LeaseAsync("gone.test");
        using var second = await h.LeaseAsync("gone.test");

        Assert.Equal("", first.Destination);
        Assert.Null(first.Report(PacerHarness.Replies(("a@gone.test", 421, "4.7.0 busy"))));
    }

    [Fact]
    public async Task Acquire_CancelledWhileWaiting_LeavesTheCountRight()
    {
        using var h = new PacerHarness(o => { o.MaxConcurrentSessions = 1; o.SlotWaitTimeout = TimeSpan.FromMinutes(1); });
        var held = await h.LeaseAsync();
        using var cancel = new CancellationTokenSource();

        var waiting = h.Pacer.AcquireAsync("one.test", cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        held.Dispose();
        Assert.Equal(0, h.Pacer.ActiveSessions(PacerHarness.Provider));
        using var next = await h.LeaseAsync();
    }

    [Fact]
    public async Task Rate_SpacesMessagesEvenly_AndDefersWhatWouldWaitLongerThanTheSlotWait()
    {
        using var h = new PacerHarness(o => { o.MaxMessagesPerMinute = 60; o.SlotWaitTimeout = TimeSpan.Zero; });
        var start = h.Time.GetUtcNow();

        (await h.LeaseAsync()).Dispose();
        var early = await h.Pacer.AcquireAsync("two.test", CancellationToken.None);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        (await h.LeaseAsync("two.test")).Dispose();

        Assert.Null(early.Lease);
        Assert.Equal(DeferralReason.Rate, early.Reason);
        Assert.Equal(start + TimeSpan.FromSeconds(1), early.DeferUntil);
        Assert.Equal("rate", Assert.Single(h.Deferrals.GetMeasurementSnapshot()).Tags["reason"]);
    }

    [Fact]
    public async Task Rate_WithinTheSlotWait_SleepsItsTurnInsteadOfDeferring()
    {
        using var h = new PacerHarness(o => { o.MaxMessagesPerMinute = 30; o.SlotWaitTimeout = TimeSpan.FromSeconds(5); });
        (await h.LeaseAsync()).Dispose();

        var second = h.Pacer.AcquireAsync("one.test", CancellationToken.None);
        await Task.Delay(50);
        Assert.False(second.IsCompleted);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        var decision = await second;

        Assert.NotNull(decision.Lease);
        decision.Lease!.Dispose();
        Assert.Empty(h.Deferrals.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task Throttle421_BacksOffTheWholeDestination_ThenLetsJobsThrough()
    {
        using var h = new PacerHarness(o => { o.ThrottleBackoff = TimeSpan.FromMinutes(1); o.DeferDelay = TimeSpan.FromSeconds(10); }, random: 0.5);
        var lease = await h.LeaseAsync("one.test");

        var until = lease.Report(PacerHarness.Replies(("a@one.test", 421, "4.7.0 Try again later, closing connection.")));
        lease.Dispose();
        var during = await h.Pacer.AcquireAsync("two.test", CancellationToken.None);
        using var elsewhere = await h.LeaseAsync("other.test");
        h.Time.Advance(TimeSpan.FromMinutes(1));
        using var after = await h.LeaseAsync("two.test");

        Assert.Equal(h.Time.GetUtcNow(), until);
        Assert.Null(during.Lease);
        Assert.Equal(DeferralReason.Throttled, during.Reason);
        Assert.Equal(until + TimeSpan.FromSeconds(5), during.DeferUntil);
        Assert.Equal("one.test", Assert.Single(h.Backoffs.GetMeasurementSnapshot()).Tags["domain"]);
    }

    [Fact]
    public async Task Throttle_Repeated_DoublesTheBackoffUpToTheMaximum_AndAnAcceptedDeliveryResetsIt()
    {
        using var h = new PacerHarness(o => { o.ThrottleBackoff = TimeSpan.FromMinutes(1); o.MaxThrottleBackoff = TimeSpan.FromMinutes(5); });
        var throttled = PacerHarness.Replies(("a@one.test", 421, "4.7.0 slow down"));
        var backoffs = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            using var lease = await h.LeaseAsync();
            var until = lease.Report(throttled)!.Value;
            backoffs.Add(until - h.Time.GetUtcNow());
            h.Time.Advance(until - h.Time.GetUtcNow());
        }

        using (var probe = await h.LeaseAsync())
        {
            Assert.Null(probe.Report(PacerHarness.Replies(("a@one.test", 250, "2.0.0 Ok"))));
        }

        using var again = await h.LeaseAsync();
        var reset = again.Report(throttled)!.Value - h.Time.GetUtcNow();

        Assert.Equal([1, 2, 4, 5, 5], backoffs.Select(b => b.TotalMinutes));
        Assert.Equal(TimeSpan.FromMinutes(1), reset);
    }

    [Fact]
    public async Task Throttle_SessionsOfOneEpisode_StartOneBackoffNotSeveral()
    {
        using var h = new PacerHarness(o => o.ThrottleBackoff = TimeSpan.FromMinutes(1));
        var first = await h.LeaseAsync();
        var second = await h.LeaseAsync();

        var a = first.Report(PacerHarness.Replies(("a@one.test", 421, "4.7.0 slow down")));
        h.Time.Advance(TimeSpan.FromSeconds(3));
        var b = second.Report(PacerHarness.Replies(("b@one.test", 421, "4.7.0 slow down")));

        Assert.Equal(a, b);
        Assert.Single(h.Backoffs.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task Throttle_NotForGreylistingOfOneRecipientNorForPermanentFailures()
    {
        using var h = new PacerHarness();
        using var lease = await h.LeaseAsync();
        var greylisted = new RelayResult(
            new Dictionary<string, DeliveryReply>
            {
                ["a@one.test"] = FailureClassifier.FromReply(451, "4.7.1 Greylisted") with { RecipientLevel = true },
                ["b@one.test"] = FailureClassifier.FromReply(550, "5.7.1 Rejected"),
            },
            null, null, null);

        Assert.Null(lease.Report(greylisted));
        Assert.Null(h.Pacer.BackoffUntil(PacerHarness.Provider));
    }

    [Theory]
    [InlineData("example.com", "mx.other.test", 1, 7)]
    [InlineData("sub.example.com", "mx.other.test", 1, 7)]
    [InlineData("special.example.com", "mx.other.test", 9, 0)]
    [InlineData("gmail.com", "gmail-smtp-in.l.google.com,alt1.gmail-smtp-in.l.google.com", 4, 0)]
    [InlineData("hosted.test", "mx.other.test", 2, 0)]
    [InlineData("unlisted.test", "mx.unlisted.test", 20, 0)]
    [InlineData("GMAIL.com.", "GMAIL-SMTP-IN.L.GOOGLE.COM", 4, 0)]
    public void Limits_PerDomainOverrides_ByRecipientDomainFirst_ThenByMxHost(string domain, string hosts, int sessions, int rate)
    {
        using var h = new PacerHarness(o =>
        {
            o.Domains["example.com"] = new DestinationLimitOptions { MaxConcurrentSessions = 1, MaxMessagesPerMinute = 7 };
            o.Domains["special.example.com"] = new DestinationLimitOptions { MaxConcurrentSessions = 9, MaxMessagesPerMinute = 0 };
            o.Domains["Google.com"] = new DestinationLimitOptions { MaxConcurrentSessions = 4 };
            o.Domains["mx.other.test"] = new DestinationLimitOptions { MaxConcurrentSessions = 2 };
        });

        var limits = h.Pacer.LimitsFor(domain, hosts.Split(','));

        Assert.Equal(sessions, limits.MaxConcurrentSessions);
        Assert.Equal(rate, limits.MaxMessagesPerMinute);
    }

    [Fact]
    public async Task Limits_OverrideOfOneDomain_AppliesToItsJobsAgainstTheSharedCount()
    {
        using var h = new PacerHarness(o =>
        {
            o.MaxConcurrentSessions = 3;
            o.SlotWaitTimeout = TimeSpan.Zero;
            o.Domains["one.test"] = new DestinationLimitOptions { MaxConcurrentSessions = 1 };
        });
        using var first = await h.LeaseAsync("one.test");

        var secondOne = await h.Pacer.AcquireAsync("one.test", CancellationToken.None);
        using var two = await h.LeaseAsync("two.test");
        using var twoAgain = await h.LeaseAsync("two.test");
        var twoThird = await h.Pacer.AcquireAsync("two.test", CancellationToken.None);

        Assert.Null(secondOne.Lease);
        Assert.Null(twoThird.Lease);
        Assert.Equal(3, h.Pacer.ActiveSessions(PacerHarness.Provider));
    }

    [Fact]
    public async Task CouldGoNow_IsFalseOnlyWhenTheDestinationIsKnownToHoldJobsBack()
    {
        using var h = new PacerHarness(o => o.MaxConcurrentSessions = 1);
        Assert.True(h.Pacer.CouldGoNow("one.test"));

        var lease = await h.LeaseAsync("one.test");
        Assert.False(h.Pacer.CouldGoNow("one.test"));
        Assert.True(h.Pacer.CouldGoNow("two.test"));
        Assert.True(h.Pacer.CouldGoNow("other.test"));

        lease.Report(PacerHarness.Replies(("a@one.test", 421, "4.7.0 slow down")));
        lease.Dispose();
        Assert.False(h.Pacer.CouldGoNow("one.test"));
        h.Time.Advance(h.Options.ThrottleBackoff);
        Assert.True(h.Pacer.CouldGoNow("one.test"));
    }

    [Theory]
    [InlineData(5, 2)]
    [InlineData(2, 5)]
    [InlineData(20, 3)]
    [InlineData(1, 7)]
    [InlineData(7, 7)]
    public void Share_SplitsTheLimitsExactly_AmongTheInstances(int sessions, int instances)
    {
        var limits = new DestinationLimits(sessions, 60, null);
        foreach (var destination in new[] { "mx:a.example:25", "mx:b.example:25", "smarthost:relay.example:587" })
        {
            var shares = Enumerable.Range(0, instances).Select(rank => InstanceShares.Share(limits, destination, instances, rank)).ToList();

            Assert.Equal(sessions, shares.Sum(s => s.MaxConcurrentSessions));
            Assert.All(shares, s => Assert.InRange(s.MaxConcurrentSessions, sessions / instances, (sessions / instances) + 1));
            Assert.All(shares, s => Assert.Equal(60.0 / instances, s.MaxMessagesPerMinute, 6));
        }
    }

    [Fact]
    public void Share_TheSpareSlotsGoToDifferentInstancesForDifferentDestinations()
    {
        var limits = new DestinationLimits(1, 0, null);

        var holders = Enumerable.Range(0, 40)
            .Select(i => Enumerable.Range(0, 4).Single(rank => InstanceShares.Share(limits, $"mx:host{i}.example:25", 4, rank).MaxConcurrentSessions == 1))
            .ToHashSet();

        Assert.True(holders.Count > 1, "every single-slot destination went to the same instance");
        Assert.Equal(limits, InstanceShares.Share(limits, "mx:a.example:25", 1, 0));
    }

    [Fact]
    public void BackoffFor_DoublesFromTheBase_CappedAtTheMaximum()
    {
        using var h = new PacerHarness(o => { o.ThrottleBackoff = TimeSpan.FromSeconds(30); o.MaxThrottleBackoff = TimeSpan.FromMinutes(30); });

        Assert.Equal(TimeSpan.FromSeconds(30), h.Pacer.BackoffFor(1));
        Assert.Equal(TimeSpan.FromMinutes(1), h.Pacer.BackoffFor(2));
        Assert.Equal(TimeSpan.FromMinutes(16), h.Pacer.BackoffFor(6));
        Assert.Equal(TimeSpan.FromMinutes(30), h.Pacer.BackoffFor(7));
        Assert.Equal(TimeSpan.FromMinutes(30), h.Pacer.BackoffFor(500));
    }

    [Fact]
    public void Options_RejectInconsistentValues()
    {
        var options = new PacingOptions { ThrottleBackoff = TimeSpan.FromMinutes(10), MaxThrottleBackoff = TimeSpan.FromMinutes(1), DeferDelay = TimeSpan.Zero };
        options.Domains["bad name@x"] = new DestinationLimitOptions { MaxConcurrentSessions = 0 };

        var problems = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Select(r => r.ErrorMessage).ToList();

        Assert.Contains(problems, p => p!.Contains("MaxThrottleBackoff", StringComparison.Ordinal));
        Assert.Contains(problems, p => p!.Contains("DeferDelay", StringComparison.Ordinal));
        Assert.Contains(problems, p => p!.Contains("Pacing:Domains:bad name@x: ", StringComparison.Ordinal));
        Assert.Contains(problems, p => p!.Contains("is not a domain name", StringComparison.Ordinal));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
