using System.Text;
using SmtpFunctions.Ingress.Memory;

namespace SmtpFunctions.Ingress.Tests.Memory;

public sealed class MessageBufferTests
{
    [Fact]
    public void DeclaredSize_IsOneArray_HandedOutWithoutACopy()
    {
        var budget = new MemoryBudget(1000);
        Assert.True(budget.TryReserve(100));
        using var buffer = new MessageBuffer(budget, reserved: 100, declaredSize: 100);

        Assert.True(buffer.Append("hello "u8));
        Assert.True(buffer.Append("world"u8));
        var first = buffer.AsMemory();
        var second = buffer.AsMemory();

        Assert.Equal("hello world", Encoding.ASCII.GetString(first.Span));
        Assert.True(first.Span == second.Span, "the same octets, not a copy");
        Assert.Equal(100, budget.InUse);
    }

    [Fact]
    public void MoreThanDeclared_OrNoSize_IsChunked_AndJoinedOnce()
    {
        var budget = new MemoryBudget(1 << 20);
        using var buffer = new MessageBuffer(budget, reserved: 0, declaredSize: 10);
        var payload = new byte[3 * MessageBuffer.ChunkSize + 17];
        Random.Shared.NextBytes(payload);

        for (var offset = 0; offset < payload.Length; offset += 1000)
        {
            Assert.True(buffer.Append(payload.AsSpan(offset, Math.Min(1000, payload.Length - offset))));
        }

        Assert.Equal(payload, buffer.AsMemory().ToArray());
        Assert.True(budget.InUse >= payload.Length && budget.InUse <= payload.Length + MessageBuffer.ChunkSize);
    }

    [Fact]
    public void BudgetExhausted_RefusesAndLetsGoAtOnce()
    {
        var budget = new MemoryBudget(100_000);
        Assert.True(budget.TryReserve(40_000));
        using var buffer = new MessageBuffer(budget, reserved: 0, declaredSize: 0);

        Assert.True(buffer.Append(new byte[50_000]));
        Assert.False(buffer.Append(new byte[20_000]));

        Assert.True(buffer.Refused);
        Assert.Equal(0, buffer.Length);
        Assert.False(buffer.Append(new byte[1]));
        Assert.Equal(40_000, budget.InUse);
    }

    [Fact]
    public void Dispose_GivesTheReservationBack()
    {
        var budget = new MemoryBudget(1 << 20);
        Assert.True(budget.TryReserve(5000));
        var buffer = new MessageBuffer(budget, reserved: 5000, declaredSize: 5000);
        buffer.Append(new byte[200_000]);

        buffer.Dispose();
        buffer.Dispose();

        Assert.Equal(0, budget.InUse);
        Assert.Throws<ObjectDisposedException>(() => buffer.AsMemory());
    }

    [Fact]
    public void Budget_RefusesWhatDoesNotFit_AndNeverGoesNegative()
    {
        var budget = new MemoryBudget(10);

        Assert.True(budget.TryReserve(6));
        Assert.False(budget.TryReserve(5));
        Assert.True(budget.TryReserve(4));
        budget.Release(10);
        Assert.Equal(0, budget.InUse);
        Assert.Throws<InvalidOperationException>(() => budget.Release(1));
    }
}
