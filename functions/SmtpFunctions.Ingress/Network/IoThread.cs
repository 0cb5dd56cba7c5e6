using System.Runtime.CompilerServices;

namespace SmtpFunctions.Ingress.Network;

/// <summary>
/// Leaving the socket engine's thread before CPU-heavy work. With inline completions
/// (<see cref="Hosting.SocketCompletions"/>) a continuation after a socket read runs on the epoll thread that serves
/// many connections; a step that takes milliseconds (parsing and signing a message, hashing a password) would stall all
/// of them, so it continues on the thread pool instead. On a pool thread already, nothing happens.
/// </summary>
public static class IoThread
{
    /// <summary>Continues on a thread-pool thread when the caller is on any other (the epoll thread).</summary>
    public static LeaveAwaitable LeaveAsync() => new(!Thread.CurrentThread.IsThreadPoolThread);

    /// <summary>Awaits nothing on a pool thread, otherwise yields to the pool.</summary>
    public readonly struct LeaveAwaitable(bool yield)
    {
        /// <summary>The awaiter.</summary>
        public Awaiter GetAwaiter() => new(yield);

        /// <summary>Complete at once on a pool thread; otherwise <see cref="Task.Yield"/>'s awaiter.</summary>
        public readonly struct Awaiter(bool yield) : ICriticalNotifyCompletion
        {
            /// <summary>True when no hop is needed.</summary>
            public bool IsCompleted => !yield;

            /// <summary>Nothing to return.</summary>
            public void GetResult()
            {
            }

            /// <inheritdoc />
            public void OnCompleted(Action continuation) => Task.Yield().GetAwaiter().OnCompleted(continuation);

            /// <inheritdoc />
            public void UnsafeOnCompleted(Action continuation) => Task.Yield().GetAwaiter().UnsafeOnCompleted(continuation);
        }
    }
}
