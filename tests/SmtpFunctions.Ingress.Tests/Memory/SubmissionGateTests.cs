using SmtpFunctions.Ingress.Memory;

namespace SmtpFunctions.Ingress.Tests.Memory;

public sealed class SubmissionGateTests
{
    [Fact]
    public async Task Enter_WaitsUntilThereIsRoom_FirstComeFirstServed()
    {
        var gate = new SubmissionGate(100);
        var first = await gate.EnterAsync(60, CancellationToken.None);
        var second = gate.EnterAsync(60, CancellationToken.None).AsTask();
        var third = gate.EnterAsync(10, CancellationToken.None).AsTask();

        // The small one fits, but waits behind the one that came before it.
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);
        Assert.Equal(2, gate.Waiting);

        first.Dispose();
        (await second).Dispose();
        (await third).Dispose();
        Assert.Equal(0, gate.Inside);
    }

    [Fact]
    public async Task Enter_LargerThanTheGate_GoesInAlone()
    {
        var gate = new SubmissionGate(100);
        using (await gate.EnterAsync(500, CancellationToken.None))
        {
            var next = gate.EnterAsync(1, CancellationToken.None).AsTask();
            Assert.False(next.IsCompleted);
            Assert.Equal(500, gate.Inside);
        }

        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task Enter_Cancelled_LeavesTheQueueAndLetsTheNextIn()
    {
        var gate = new SubmissionGate(100);
        var holder = await gate.EnterAsync(90, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = gate.EnterAsync(50, cancel.Token).AsTask();
        var behind = gate.EnterAsync(5, CancellationToken.None).AsTask();

        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        (await behind).Dispose();
        holder.Dispose();
        holder.Dispose();
        Assert.Equal(0, gate.Inside);
        Assert.Equal(0, gate.Waiting);
    }
}
