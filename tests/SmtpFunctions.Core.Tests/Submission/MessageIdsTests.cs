using Microsoft.Extensions.Time.Testing;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Core.Tests.Submission;

public class MessageIdsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void New_InOneMillisecond_SpreadsOverTheKeyRange_FromTheFirstCharacters()
    {
        // Ids of one instant must not share a prefix: Azure serves PartitionKeys and blob names by ranges, and a shared
        // (time) prefix puts every write on the server of the range's end.
        var ids = new MessageIds(new FakeTimeProvider(Now));
        var made = Enumerable.Range(0, 2000).Select(_ => ids.New()).ToList();

        Assert.All(made, id => Assert.True(MessageIds.IsWellFormed(id), id));
        Assert.Equal(2000, made.Distinct().Count());
        // The first character carries 3 bits (8 values), the second 5 (32): every pair of 256 should occur.
        Assert.Equal(8, made.Select(id => id[0]).Distinct().Count());
        Assert.True(made.Select(id => id[..2]).Distinct().Count() >= 250, "two-character prefixes spread evenly");
    }

    [Fact]
    public void New_AtSuccessiveTimes_DoNotSortByTime()
    {
        var clock = new FakeTimeProvider(Now);
        var ids = new MessageIds(clock);
        var made = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            made.Add(ids.New());
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.NotEqual(made, made.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void IsWellFormed_AcceptsTheOldTimeOrderedLayout_AndTheNewOne()
    {
        var old = MessageIds.LegacyTimeOrdered(Now, new byte[10]);

        Assert.True(MessageIds.IsWellFormed(old));
        Assert.True(MessageIds.IsWellFormed("01m8j6pfrcq6smmjg5dqt8qwg5"), "an id as the README shows one, from before");
        Assert.True(MessageIds.IsWellFormed(new MessageIds(new FakeTimeProvider(Now)).New()));
        Assert.StartsWith("01", old, StringComparison.Ordinal);
        Assert.False(MessageIds.IsWellFormed("01M8J6PFRCQ6SMMJG5DQT8QWG5"));
        Assert.False(MessageIds.IsWellFormed("01m8j6pfrcq6smmjg5dqt8qwg"));
        Assert.False(MessageIds.IsWellFormed("01m8j6pfrcq6smmjg5dqt8qwgu"));
    }
}
