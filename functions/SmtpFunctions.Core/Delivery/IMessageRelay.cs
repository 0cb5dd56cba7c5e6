namespace SmtpFunctions.Core.Delivery;

/// <summary>Makes one SMTP transaction for a job: routing, connection, per-recipient outcomes.</summary>
public interface IMessageRelay
{
    /// <summary>Delivers and classifies; SMTP, network and DNS failures are outcomes, never exceptions.</summary>
    Task<RelayResult> RelayAsync(RelayRequest request, CancellationToken cancellationToken);
}
