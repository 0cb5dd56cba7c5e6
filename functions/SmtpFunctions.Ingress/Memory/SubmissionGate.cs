namespace SmtpFunctions.Ingress.Memory;

/// <summary>
/// Lets messages into Core's submission path by size, first come first served, so that the copies Core makes of each
/// message (parse, serialise, upload) never add up to more than <c>Ingress:MaxBytesSubmitting</c>. Unlike
/// <see cref="MemoryBudget"/> this waits: the message is already received, and its client only waits longer for the
/// reply to DATA (RFC 5321 §4.5.3.2.6 gives it 10 minutes).
/// </summary>
/// <remarks>A message larger than the whole gate enters alone, when nothing else is inside, so it is never stuck.</remarks>
public sealed class SubmissionGate
{
    private readonly LinkedList<Waiter> _waiting = new();
    private readonly Lock _lock = new();
    private long _inside;

    /// <summary>A gate admitting <paramref name="limit"/> octets at once.</summary>
    public SubmissionGate(long limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        Limit = limit;
    }

    /// <summary>Most octets inside at once.</summary>
    public long Limit { get; }

    /// <summary>Octets inside now.</summary>
    public long Inside
    {
        get
        {
            lock (_lock)
            {
                return _inside;
            }
        }
    }

    /// <summary>Messages waiting now.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Waits until <paramref name="octets"/> may enter; dispose the result to leave.</summary>
    public async ValueTask<IDisposable> EnterAsync(long octets, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(octets);
        Waiter waiter;
        LinkedListNode<Waiter> node;
        lock (_lock)
        {
            if (_waiting.Count == 0 && Fits(octets))
            {
                _inside += octets;
                return new Pass(this, octets);
            }

            waiter = new Waiter(octets);
            node = _waiting.AddLast(waiter);
        }

        using (cancellationToken.Register(() => Abandon(node)))
        {
            await waiter.Admitted.Task;
        }

        return new Pass(this, octets);
    }

    private bool Fits(long octets) => _inside == 0 || _inside + octets <= Limit;

    private void Abandon(LinkedListNode<Waiter> node)
    {
        lock (_lock)
        {
            if (node.List is null)
            {
                // Admitted meanwhile: the pass it was given is the caller's to dispose.
                return;
            }

            _waiting.Remove(node);
            AdmitWaiting();
        }

        node.Value.Admitted.TrySetCanceled();
    }

    private void Leave(long octets)
    {
        lock (_lock)
        {
            _inside -= octets;
            AdmitWaiting();
        }
    }

    // Under the lock: admits from the head of the queue while the next one fits (first come, first served).
    private void AdmitWaiting()
    {
        while (_waiting.First is { } first && Fits(first.Value.Octets))
        {
            _waiting.RemoveFirst();
            _inside += first.Value.Octets;
            first.Value.Admitted.TrySetResult();
        }
    }

    private sealed class Waiter(long octets)
    {
        public long Octets { get; } = octets;

        public TaskCompletionSource Admitted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Pass(SubmissionGate gate, long octets) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                gate.Leave(octets);
            }
        }
    }
}
