using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Status;

namespace SmtpFunctions.Core.Tests.Status;

public sealed class RecordedReplyTests
{
    [Fact]
    public void From_APeersReply_GivesTheSameLineBack()
    {
        var original = FailureClassifier.FromReply(421, "4.3.2 Service shutting down, try later");
        var row = new RecipientEntity { LastResponse = original.ToString(), LastReplyCode = original.Code, LastEnhancedCode = original.EnhancedCode };

        var reply = RecordedReply.From(row, ReplyKind.Transient)!;

        Assert.Equal(original.ToString(), reply.ToString());
        Assert.Equal(421, reply.Code);
        Assert.Equal("4.3.2", reply.EnhancedCode);
        Assert.Equal(ReplyKind.Transient, reply.Kind);
    }

    [Fact]
    public void From_ALocalCondition_KeepsItsEnhancedCodeWithoutAReplyCode()
    {
        var original = FailureClassifier.Transient("4.4.1", "connection refused");
        var row = new RecipientEntity { LastResponse = original.ToString(), LastEnhancedCode = original.EnhancedCode };

        var reply = RecordedReply.From(row, ReplyKind.Permanent)!;

        Assert.Null(reply.Code);
        Assert.Equal("4.4.1 connection refused", reply.ToString());
    }

    [Fact]
    public void From_ARowWithoutAnAttempt_IsNull() =>
        Assert.Null(RecordedReply.From(new RecipientEntity(), ReplyKind.Transient));
}
