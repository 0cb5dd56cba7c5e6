using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Core.Pacing;

/// <summary>A session slot (and rate turn) for one SMTP transaction; disposing it frees the slot.</summary>
public sealed class PacingLease : IDisposable
{
    private readonly DestinationPacer? _pacer;
    private readonly DestinationGate? _gate;
    private int _released;

    internal PacingLease(DestinationPacer? pacer, DestinationGate? gate, string destination, string domain)
    {
        _pacer = pacer;
        _gate = gate;
        Destination = destination;
        Domain = domain;
    }

    /// <summary>The destination key (empty for an unpaced domain: it had no route).</summary>
    public string Destination { get; }

    /// <summary>The recipient domain the lease was taken for.</summary>
    public string Domain { get; }

    /// <summary>
    /// Tells pacing what the destination answered: a throttling reply (<see cref="FailureClassifier.IsThrottling"/>)
    /// starts or continues a backoff, whose end is returned; an accepted delivery ends the backoff series.
    /// </summary>
    public DateTimeOffset? Report(RelayResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return _pacer is null || _gate is null ? null : _pacer.Report(_gate, Destination, Domain, result);
    }

    /// <summary>Frees the slot (once).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0 && _gate is not null)
        {
            _pacer!.Release(_gate, Destination);
        }
    }
}
