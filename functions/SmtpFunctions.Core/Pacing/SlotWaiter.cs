namespace SmtpFunctions.Core.Pacing;

/// <summary>A job waiting for a session slot under its own limit.</summary>
internal sealed class SlotWaiter(int limit)
{
    /// <summary>The limit that applies to this job's domain.</summary>
    public int Limit { get; } = limit;

    /// <summary>Completed when the slot is handed over (the gate's count already includes it).</summary>
    public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
