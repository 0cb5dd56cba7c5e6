namespace SmtpFunctions.Ingress.Network;

/// <summary>
/// The signal that the ingress is stopping (SIGTERM: a scale-in, a new revision): every connection answers its next
/// command with <c>421 4.3.2</c> and closes, except one in DATA, which finishes its message first.
/// </summary>
public sealed class IngressDrain : IDisposable
{
    private readonly CancellationTokenSource _draining = new();

    /// <summary>Cancelled once the ingress drains; the wire waits on it and looks again when it fires.</summary>
    public CancellationToken Token => _draining.Token;

    /// <summary>True once <see cref="Begin"/> was called.</summary>
    public bool IsDraining => _draining.IsCancellationRequested;

    /// <summary>Starts draining; idempotent.</summary>
    public void Begin() => _draining.Cancel();

    /// <inheritdoc />
    public void Dispose() => _draining.Dispose();
}
