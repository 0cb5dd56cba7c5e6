using SmtpFunctions.Ingress.Network;

namespace SmtpFunctions.Ingress.Tests.Network;

public sealed class IoThreadTests
{
    [Fact]
    public async Task LeaveAsync_OnAThreadOutsideThePool_ContinuesOnThePool()
    {
        // A dedicated thread stands in for the socket engine's epoll thread (neither belongs to the pool).
        Task<bool>? continuedOnPool = null;
        var thread = new Thread(() => continuedOnPool = ContinueAfterLeavingAsync());
        thread.Start();
        thread.Join();

        Assert.True(await continuedOnPool!);
    }

    [Fact]
    public async Task LeaveAsync_OnAPoolThread_DoesNotHop()
    {
        var hops = await Task.Run(() => !IoThread.LeaveAsync().GetAwaiter().IsCompleted);

        Assert.False(hops);
    }

    private static async Task<bool> ContinueAfterLeavingAsync()
    {
        await IoThread.LeaveAsync();
        return Thread.CurrentThread.IsThreadPoolThread;
    }
}
