using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Benchmarks.Simulation;

/// <summary>
/// The smart host the deployment relays through (Azure blocks outbound port 25): each transaction takes a latency drawn
/// from <see cref="AzureLimits.SmartHostLatency"/> and accepts every recipient. Its quota is the docs' arithmetic, not
/// modelled here: the simulation asks what storage allows.
/// </summary>
internal sealed class ModelSmartHost : IMessageRelay
{
    private long _transactions;

    public long Transactions => Interlocked.Read(ref _transactions);

    public async Task<RelayResult> RelayAsync(RelayRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await Task.Delay(AzureLimits.SmartHostLatency.Sample(), cancellationToken);
        Interlocked.Increment(ref _transactions);
        var replies = request.Recipients.ToDictionary(
            r => r, _ => new DeliveryReply(ReplyKind.Success, 250, "2.0.0", "250 2.0.0 Ok: queued"), StringComparer.OrdinalIgnoreCase);
        return new RelayResult(replies, "smarthost.model[127.0.0.1]:587", true, "TLSv1.3");
    }
}
