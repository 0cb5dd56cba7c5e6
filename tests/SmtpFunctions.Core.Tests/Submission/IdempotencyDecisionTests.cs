using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Core.Tests.Submission;

public class IdempotencyDecisionTests
{
    [Fact]
    public void Decide_WhenNothingStored_Proceeds() =>
        Assert.Equal(IdempotencyVerdict.Proceed, IdempotencyDecision.Decide(null, "abc"));

    [Fact]
    public void Decide_WhenSameBodyStored_Replays() =>
        Assert.Equal(IdempotencyVerdict.Replay, IdempotencyDecision.Decide("abc", "abc"));

    [Fact]
    public void Decide_WhenOtherBodyStored_Conflicts() =>
        Assert.Equal(IdempotencyVerdict.Conflict, IdempotencyDecision.Decide("abc", "abd"));

    [Fact]
    public void ForIdempotencyKey_SameKey_SameWellFormedId()
    {
        var first = MessageIds.ForIdempotencyKey("order-42");
        Assert.Equal(first, MessageIds.ForIdempotencyKey("order-42"));
        Assert.NotEqual(first, MessageIds.ForIdempotencyKey("order-43"));
        Assert.True(MessageIds.IsWellFormed(first));
    }
}
