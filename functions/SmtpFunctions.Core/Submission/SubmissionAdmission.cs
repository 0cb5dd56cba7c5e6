using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Telemetry;

namespace SmtpFunctions.Core.Submission;

/// <summary>
/// Admits request bodies while the octets held at once by this process stay within
/// <see cref="SubmissionOptions.MaxBytesInFlight"/>, so that many large submissions at once are answered "busy, retry"
/// instead of growing the process until it runs out of memory.
/// </summary>
public sealed class SubmissionAdmission(IOptions<SubmissionOptions> options, MailMetrics metrics)
{
    private readonly long _limit = options.Value.MaxBytesInFlight;
    private long _inFlight;

    /// <summary>Octets currently admitted.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>The limit.</summary>
    public long Limit => _limit;

    /// <summary>Admits <paramref name="bytes"/> now, or returns null when that would exceed the limit.</summary>
    public AdmissionLease? TryAdmit(long bytes)
    {
        var lease = new AdmissionLease(this);
        return lease.TryGrow(bytes) ? lease : null;
    }

    internal bool TryAdd(long bytes, long alreadyHeld)
    {
        while (true)
        {
            var current = Interlocked.Read(ref _inFlight);
            // A request is always admitted when nothing else is in flight, however large: it is within the message size
            // limit (the door checks that), and refusing it would refuse it for ever.
            if (current - alreadyHeld > 0 && current + bytes > _limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _inFlight, current + bytes, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Counts a request refused for want of room (as a rejected submission with reason <c>Busy</c>).</summary>
    public void CountRefusal(SubmissionSource source) =>
        metrics.Rejected.Add(1, new KeyValuePair<string, object?>("source", SubmissionService.SourceName(source)), new KeyValuePair<string, object?>("reason", "Busy"));

    internal void Release(long bytes) => Interlocked.Add(ref _inFlight, -bytes);
}
