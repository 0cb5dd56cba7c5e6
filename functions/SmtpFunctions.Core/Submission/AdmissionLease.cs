namespace SmtpFunctions.Core.Submission;

/// <summary>Octets admitted by <see cref="SubmissionAdmission"/> for one request; disposing gives them back.</summary>
public sealed class AdmissionLease : IDisposable
{
    private readonly SubmissionAdmission _owner;
    private long _held;

    internal AdmissionLease(SubmissionAdmission owner) => _owner = owner;

    /// <summary>Octets this request holds.</summary>
    public long Held => Interlocked.Read(ref _held);

    /// <summary>Admits <paramref name="bytes"/> more (a body of unknown length, as it arrives); false when full.</summary>
    public bool TryGrow(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes == 0)
        {
            return true;
        }

        if (!_owner.TryAdd(bytes, Held))
        {
            return false;
        }

        Interlocked.Add(ref _held, bytes);
        return true;
    }

    /// <summary>Gives everything back (once).</summary>
    public void Dispose() => _owner.Release(Interlocked.Exchange(ref _held, 0));
}
