namespace SmtpFunctions.Core.Sweeping;

/// <summary>What one sweep did.</summary>
/// <param name="Examined">Index rows due and looked at.</param>
/// <param name="Redriven">Recipients put on the queue again.</param>
/// <param name="BouncesRequested">Bounce jobs enqueued for failures whose DSN is overdue.</param>
/// <param name="Finished">Messages found final (index row filed again for their retention, <c>Storage:Retention</c> after submission).</param>
/// <param name="Orphans">Index rows of submissions that never committed, deleted.</param>
/// <param name="Moved">Index rows moved to their next due time.</param>
/// <param name="Faulted">Index rows whose handling failed (left due, looked at again next sweep).</param>
/// <param name="Purged">Finished messages past their retention whose status rows (idempotency record too) were deleted.</param>
public sealed record SweepResult(int Examined, int Redriven, int BouncesRequested, int Finished, int Orphans, int Moved, int Faulted, int Purged = 0);
