using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Events;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Core.Sweeping;

/// <summary>
/// The safety net under the queue: finds every accepted message whose recipients' next step is overdue and re-drives
/// them, or asks again for the DSN of failures nobody reported. What the <c>SweepMessages</c> timer and the local host's
/// sweeper call.
/// </summary>
/// <remarks>
/// The queue message is the normal scheduler; a job can still be lost (it reached the poison queue, the function timed
/// out, an enqueue failed after its rows were updated). Each message has an entry in the due-time index
/// (<see cref="SweepIndex"/>), filed at submission by a tag on its MIME and moved to a table row at the first look. A due
/// entry costs one partition query of the message's status: all final and nothing waiting for a DSN deletes the row;
/// otherwise every non-final recipient overdue by more than <c>Sweeper:OverdueGrace</c> is re-driven
/// (<see cref="Redriver"/>) and the row moves to the next time something is due. A finished message's row is filed once
/// more, due when its retention ends (<c>Storage:Retention</c> after submission); then its status rows, the idempotency
/// record among them, are deleted and the row with them: no request per message on the hot path, two at the first look
/// (its status read; its tag cleared, its row filed with others in one transaction) and three at the end (the blob
/// lifecycle rule deletes the MIME after as many days). Past the queue lifetime recipients are re-driven all the same:
/// the attempt that follows expires them with their DSN. Two sweepers at once are safe: the re-drive and the index moves
/// are ETag-checked.
/// </remarks>
public sealed partial class Sweeper(
    SweepIndex index,
    StatusStore status,
    Redriver redriver,
    EventIntentRecovery intents,
    IOptions<SweeperOptions> options,
    IOptions<DeliveryOptions> delivery,
    IOptions<StorageOptions> storage,
    ILogger<Sweeper> logger)
{
    private readonly SweeperOptions _options = options.Value;
    private readonly TimeSpan _orphanGrace = OrphanGrace.For(delivery.Value, storage.Value);
    private readonly TimeSpan _retention = storage.Value.Retention;

    /// <summary>Looks at every index row due by <paramref name="now"/> (up to <c>Sweeper:MaxMessagesPerSweep</c>).</summary>
    /// <remarks>A row whose handling fails is logged and left due; the sweep goes on with the others. Only cancellation ends it early.</remarks>
    public async Task<SweepResult> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var tally = new Tally();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(index.DueAsync(now, _options.MaxMessagesPerSweep, cancellationToken), parallel, async (row, token) =>
        {
            if (row.DueAt > now)
            {
                return;
            }

            Interlocked.Increment(ref tally.Examined);
            try
            {
                await CheckAsync(row, now, tally, token);
            }
            catch (Exception ex) when (!token.IsCancellationRequested)
            {
                Interlocked.Increment(ref tally.Faulted);
                LogCheckFailed(logger, row.RowKey, ex);
            }
        });

        var result = new SweepResult(tally.Examined, tally.Redriven, tally.Bounces, tally.Finished, tally.Orphans, tally.Moved, tally.Faulted, tally.Purged);
        if (result.Examined > 0)
        {
            LogSwept(logger, result.Examined, result.Redriven, result.BouncesRequested, result.Finished, result.Orphans, result.Moved, result.Faulted, result.Purged);
        }

        return result;
    }

    private async Task CheckAsync(SweepIndexEntity row, DateTimeOffset now, Tally tally, CancellationToken cancellationToken)
    {
        if (row.Retention)
        {
            // Finished when last looked at, and final states never change: no need to read the status again.
            var deleted = await status.DeleteMessageAsync(row.RowKey, cancellationToken);
            if (await index.RemoveAsync(row, cancellationToken) && deleted > 0)
            {
                Interlocked.Increment(ref tally.Purged);
            }

            return;
        }

        var (message, recipients, undispatched) = await status.GetWithIntentsAsync(row.RowKey, cancellationToken);
        if (message is null)
        {
            if (now - row.SubmittedAt >= _orphanGrace)
            {
                await DropOrphanAsync(row, tally, cancellationToken);
            }
            else if (await index.PostponeAsync(row, row.SubmittedAt + _orphanGrace, cancellationToken))
            {
                Interlocked.Increment(ref tally.Moved);
            }

            return;
        }

        if (row.BlobName is { } blobName && !string.Equals(blobName, message.BlobName, StringComparison.Ordinal))
        {
            // The MIME of an attempt that lost to another with the same idempotency key: the message is the other's.
            await DropOrphanAsync(row, tally, cancellationToken);
            return;
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MessageId"] = row.RowKey });
        var pending = recipients.Where(r => !RecipientStatus.IsFinal(r.Status)).ToList();
        var unreported = recipients.Where(r => r.DsnPending).ToList();

        // EVENTS HOOK (recovery): intents still there after their grace lost their queue message; they keep the row too.
        var eventsDue = await intents.ResendAsync(undispatched, now, cancellationToken);
        if (pending.Count == 0 && unreported.Count == 0 && eventsDue is null)
        {
            // Kept until its retention ends (a replay of its idempotency key is answered until then), then deleted.
            var retainedUntil = message.SubmittedAt + _retention;
            if (await index.MoveAsync(row, retainedUntil > now ? retainedUntil : now, cancellationToken, retention: true))
            {
                Interlocked.Increment(ref tally.Finished);
            }

            return;
        }

        var overdue = pending.Where(r => DueAt(r, message) + _options.OverdueGrace <= now).ToList();
        if (overdue.Count > 0)
        {
            var redriven = await redriver.RedriveAsync(message, overdue, now, TimeSpan.Zero, RedriveReason.Overdue, cancellationToken);
            Interlocked.Add(ref tally.Redriven, redriven.Count);
        }

        if (unreported.Any(r => r.UpdatedAt + _options.OverdueGrace <= now))
        {
            await redriver.RequestBounceAsync(message, unreported.Max(r => r.Round), now, TimeSpan.Zero, cancellationToken);
            Interlocked.Increment(ref tally.Bounces);
        }

        // Next look: when the earliest of them will be overdue (a row just re-driven is due now, so a grace from now); a row
        // overdue but left alone (it changed meanwhile) is looked at again a grace from now, never in the past.
        var next = pending.Select(r => DueAt(r, message)).Concat(unreported.Select(r => r.UpdatedAt)).DefaultIfEmpty(DateTimeOffset.MaxValue - _options.OverdueGrace).Min() + _options.OverdueGrace;
        var nextCheck = next > now ? next : now + _options.OverdueGrace;
        if (eventsDue is { } eventsCheck && eventsCheck < nextCheck)
        {
            nextCheck = eventsCheck;
        }
        if (await index.MoveAsync(row, nextCheck, cancellationToken))
        {
            Interlocked.Increment(ref tally.Moved);
        }
    }

    private async Task DropOrphanAsync(SweepIndexEntity row, Tally tally, CancellationToken cancellationToken)
    {
        if (await index.RemoveAsync(row, cancellationToken))
        {
            Interlocked.Increment(ref tally.Orphans);
            LogOrphan(logger, row.RowKey);
        }
    }

    // When a non-final recipient's next step should have happened.
    private DateTimeOffset DueAt(RecipientEntity row, MessageEntity message) => row.Status switch
    {
        RecipientStatus.Delivering => row.LeaseUntil ?? row.UpdatedAt + _options.UnleasedAttemptTimeout,
        RecipientStatus.Deferred => row.NextAttemptAt ?? row.UpdatedAt,
        _ => row.NextAttemptAt ?? message.SubmittedAt,
    };

    private sealed class Tally
    {
        public int Examined;
        public int Redriven;
        public int Bounces;
        public int Finished;
        public int Orphans;
        public int Moved;
        public int Faulted;
        public int Purged;
    }

    [LoggerMessage(EventId = 8010, Level = LogLevel.Information,
        Message = "Sweep: {Examined} due, {Redriven} recipients re-driven, {Bounces} DSNs requested, {Finished} finished, {Orphans} orphans, {Moved} moved, {Faulted} failed, {Purged} purged")]
    private static partial void LogSwept(ILogger logger, int examined, int redriven, int bounces, int finished, int orphans, int moved, int faulted, int purged);

    [LoggerMessage(EventId = 8011, Level = LogLevel.Warning, Message = "Sweeping {MessageId} failed; looking again next sweep")]
    private static partial void LogCheckFailed(ILogger logger, string messageId, Exception exception);

    [LoggerMessage(EventId = 8012, Level = LogLevel.Information, Message = "Index entry of {MessageId} dropped: its submission attempt never committed")]
    private static partial void LogOrphan(ILogger logger, string messageId);
}
