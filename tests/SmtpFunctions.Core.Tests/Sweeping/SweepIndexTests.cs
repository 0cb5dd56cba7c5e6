using SmtpFunctions.Core.Sweeping;

namespace SmtpFunctions.Core.Tests.Sweeping;

public class SweepIndexTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 2, 12, 0, 30, TimeSpan.Zero);

    [Fact]
    public void BucketFor_IsTheUtcMinuteAndATwoDigitShard()
    {
        var bucket = SweepIndex.BucketFor(Noon.ToOffset(TimeSpan.FromHours(2)), "01m8vqxsy20gq8v1hz9233padv", 4);

        Assert.Matches(@"^202612021200-0[0-3]$", bucket);
    }

    [Fact]
    public void BucketFor_SortsByDueTime_WhateverTheShard()
    {
        // The sweeper's one range query (PartitionKey lt the next minute) relies on this order.
        var ids = Enumerable.Range(0, 50).Select(i => $"message-{i}").ToList();
        var earlier = ids.Select(id => SweepIndex.BucketFor(Noon, id, 100)).ToList();
        var later = ids.Select(id => SweepIndex.BucketFor(Noon.AddMinutes(1), id, 100)).ToList();

        Assert.All(earlier, e => Assert.All(later, l => Assert.True(string.CompareOrdinal(e, l) < 0, $"{e} !< {l}")));
        Assert.All(earlier, e => Assert.True(string.CompareOrdinal(e, "202612021201") < 0));
        Assert.All(later, l => Assert.False(string.CompareOrdinal(l, "202612021201") < 0));
    }

    [Fact]
    public void BucketFor_SpreadsIdsOverTheShards_TheSameWayEveryTime()
    {
        var ids = Enumerable.Range(0, 400).Select(i => $"{i:x8}abcdefghjkmnpqrs").ToList();

        var shards = ids.Select(id => SweepIndex.BucketFor(Noon, id, 4)[^2..]).ToList();

        Assert.Equal(shards, ids.Select(id => SweepIndex.BucketFor(Noon, id, 4)[^2..]));
        Assert.Equal(["00", "01", "02", "03"], shards.Distinct().Order(StringComparer.Ordinal));
        Assert.All(shards.GroupBy(s => s), g => Assert.InRange(g.Count(), 60, 140));
        Assert.Equal("00", SweepIndex.BucketFor(Noon, ids[0], 1)[^2..]);
    }
}
