using System.Collections.Concurrent;
using System.Net;

namespace SmtpFunctions.Ingress.Network;

/// <summary>The endpoints the listeners actually bound (port 0 in tests becomes a real port); the health check reads it too.</summary>
public sealed class IngressEndpoints
{
    private readonly ConcurrentDictionary<ListenerKind, IPEndPoint> _bound = new();
    private readonly ConcurrentDictionary<ListenerKind, TaskCompletionSource<IPEndPoint>> _waiters = new();

    /// <summary>The bound endpoints so far.</summary>
    public IReadOnlyDictionary<ListenerKind, IPEndPoint> Bound => _bound;

    /// <summary>Records a listener that started.</summary>
    public void Add(ListenerKind kind, IPEndPoint endpoint)
    {
        _bound[kind] = endpoint;
        Waiter(kind).TrySetResult(endpoint);
    }

    /// <summary>Records a listener that stopped.</summary>
    public void Remove(ListenerKind kind) => _bound.TryRemove(kind, out _);

    /// <summary>Waits until the listener of <paramref name="kind"/> is bound.</summary>
    public Task<IPEndPoint> WaitAsync(ListenerKind kind, CancellationToken cancellationToken) => Waiter(kind).Task.WaitAsync(cancellationToken);

    private TaskCompletionSource<IPEndPoint> Waiter(ListenerKind kind) =>
        _waiters.GetOrAdd(kind, _ => new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously));
}
