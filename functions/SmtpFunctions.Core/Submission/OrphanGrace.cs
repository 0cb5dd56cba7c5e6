using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Submission;

/// <summary>How long after its submission a message that has not committed may still commit.</summary>
/// <remarks>
/// What delivery waits before it calls a job an orphan, and the sweeper before it drops an index row of a message that
/// never committed: <c>Delivery:OrphanGracePeriod</c>, and never less than a submission can take with every storage
/// retry timing out (its three writes, each with all its tries and back-off), since its commit may land that late.
/// </remarks>
internal static class OrphanGrace
{
    public static TimeSpan For(DeliveryOptions delivery, StorageOptions storage)
    {
        var backoff = TimeSpan.FromSeconds(Math.Max(storage.RetryDelay.TotalSeconds * 8, 1));
        var perWrite = (storage.NetworkTimeout * (storage.MaxRetries + 1)) + (backoff * storage.MaxRetries);
        var worstSubmission = perWrite * 3;
        return delivery.OrphanGracePeriod > worstSubmission ? delivery.OrphanGracePeriod : worstSubmission;
    }
}
