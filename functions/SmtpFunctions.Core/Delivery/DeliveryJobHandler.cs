using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.IO;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Bounces;
using SmtpFunctions.Core.Buffers;
using SmtpFunctions.Core.Events;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Pacing;
using SmtpFunctions.Core.Retry;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Suppression;
using SmtpFunctions.Core.Telemetry;

namespace SmtpFunctions.Core.Delivery;

/// <summary>
/// Delivery's entry point for one queue message: what the <c>DeliverMessage</c> trigger and the local queue listener call.
/// </summary>
/// <remarks>
/// Only infrastructure faults escape as exceptions (so the platform's dequeue count and poison queue catch crashes);
/// SMTP and DNS outcomes are recorded and retried by re-enqueueing, never thrown. At least once, never twice on purpose:
/// recipients already final are skipped; a copy of a job from an earlier round than the row's (a redelivered original
/// whose retry is already queued, or one the sweeper re-drove) is stale and leaves the row alone; each pending recipient
/// is leased (owner = this attempt, expiry renewed while the attempt runs) with an ETag-checked update before sending,
/// and a copy that finds a live lease of another attempt comes back when it lapses, to take over from a crashed worker.
/// Outcomes are written with delivery's own patient retry policy (<see cref="PersistentWrites"/>): the only window for a
/// duplicate is between the peer's 250 and that write. Permanent failures wait, flagged, for one DSN per message
/// (<see cref="BounceCollector"/>). Recipients on the suppression list are skipped (status <c>suppressed</c>, no DSN); a
/// permanent mailbox-level failure puts the recipient on it. Before connecting, the job takes a pacing lease for its
/// destination; a job pacing holds back goes back on the queue without an attempt.
/// </remarks>
public sealed partial class DeliveryJobHandler(
    StatusStore status,
    MessageBlobs blobs,
    OutboundQueue queue,
    IMessageRelay relay,
    RetrySchedule retry,
    BounceCollector bounces,
    PersistentWrites persistent,
    SuppressionList suppressions,
    DestinationPacer pacer,
    EventPublisher events,
    MailMetrics metrics,
    TimeProvider time,
    IOptions<DeliveryOptions> options,
    IOptions<StorageOptions> storage,
    ILogger<DeliveryJobHandler> logger)
{
    private const int MaxRecordConflicts = 3;
    private static readonly TimeSpan FirstCommitPoll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan SameStamp = TimeSpan.FromMilliseconds(1);
    private readonly DeliveryOptions _options = options.Value;
    private readonly TimeSpan _orphanGrace = Submission.OrphanGrace.For(options.Value, storage.Value);

    /// <summary>Handles one job given as the queue message body.</summary>
    public async Task HandleAsync(BinaryData body, long dequeueCount, CancellationToken cancellationToken)
    {
        var job = OutboundQueue.Deserialize(body);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MessageId"] = job.MessageId, ["RecipientDomain"] = job.Domain });
        if (job.Kind == DeliveryJob.BounceKind)
        {
            await bounces.CollectAsync(job, onlyWhenAllFinal: false, cancellationToken);
            return;
        }

        var now = time.GetUtcNow();
        metrics.Age.Record(Math.Max(0, (now - (job.DueAt ?? job.SubmittedAt)).TotalSeconds), Domain(job));
        string? attempt = null;
        if (job.CommittedETags is { Count: > 0 } && !job.LegacyRowKeys)
        {
            attempt = Guid.NewGuid().ToString("N");
            if (await TryDeliverAsCommittedAsync(job, attempt, cancellationToken))
            {
                return;
            }
        }

        await HandleByReadingAsync(job, now, dequeueCount, attempt, cancellationToken);
    }

    // A first-round job sent after its commit carries the ETags the commit gave its rows. While a row has that ETag it is
    // exactly as committed: queued, round 0, this submission's token, no lease — everything the read below would check.
    // So the claim replaces the committed row, checked by that ETag, without reading it first: one table operation before
    // the send instead of two. Anything that changed a row since (another copy's claim, the sweeper, a suppression) fails
    // the claim with 412 and the job is handled by reading, as any other is. False when it has to be.
    private async Task<bool> TryDeliverAsCommittedAsync(DeliveryJob job, string attempt, CancellationToken cancellationToken)
    {
        var rows = new List<RecipientEntity>();
        foreach (var address in job.Recipients.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (!job.CommittedETags!.TryGetValue(address, out var etag))
            {
                return false;
            }

            var row = RecipientEntity.Committed(job.MessageId, address, job.Domain, job.SubmissionToken, job.SubmittedAt, job.CommittedEventSeq ?? 0);
            row.ETag = new ETag(etag);
            rows.Add(row);
        }

        // The list is re-checked (mostly from its cache): a recipient suppressed since the submission is marked by the
        // reading path, which has the row's real ETag.
        if (suppressions.Enabled && (await suppressions.FindAsync(job.SuppressionListId, job.Recipients, cancellationToken)).Count > 0)
        {
            return false;
        }

        var pacing = await pacer.AcquireAsync(job.Domain, cancellationToken);
        using var lease = pacing.Lease;
        if (lease is null)
        {
            // Held back: back on the queue with its ETags, so the next try reads nothing either. Past its lifetime the
            // reading path expires the recipients with their last reply.
            return await DeferAsync(job, pacing, cancellationToken);
        }

        // The job was sent after the commit, which came after the upload: a 404 here is not a race.
        var content = DownloadAsync(job, cancellationToken);
        var now = time.GetUtcNow();
        foreach (var row in rows)
        {
            Lease(row, job, attempt, now);
        }

        try
        {
            await status.UpdateRecipientsAsync(rows, cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404)
        {
            // Changed since the commit (or our own claim applied and its answer lost: the reading path knows the attempt).
            await IgnoreAsync(content);
            return false;
        }

        await DeliverAsync(job, rows, content, pacing, cancellationToken);
        return true;
    }

    // The job's rows are read (point reads) and checked: committed by this job's submission, not final, of this round or an
    // earlier one, not leased by a live attempt of someone else; the rest are claimed with the ETags just read.
    private async Task HandleByReadingAsync(DeliveryJob job, DateTimeOffset now, long dequeueCount, string? ownAttempt, CancellationToken cancellationToken)
    {
        // The content is fetched while the status is read: one storage round trip less on the hot path. An orphan's
        // download is wasted (and its failure ignored), which is rare. Not ahead of the lease when pacing is holding the
        // destination back: those jobs mostly go back on the queue, and would download it again each time.
        var content = pacer.CouldGoNow(job.Domain) ? DownloadAsync(job, cancellationToken) : null;
        var (commit, rows) = await ReadCommittedAsync(job, cancellationToken);
        if (commit != CommitState.Ours)
        {
            await IgnoreAsync(content);
            await DropOrRecheckAsync(job, commit, now, dequeueCount, cancellationToken);
            return;
        }

        var wanted = new HashSet<string>(job.Recipients, StringComparer.OrdinalIgnoreCase);
        var pending = new List<RecipientEntity>();
        var leased = new List<RecipientEntity>();
        foreach (var row in rows.Where(r => wanted.Contains(r.Address) && !RecipientStatus.IsFinal(r.Status)))
        {
            if (job.Round < row.Round)
            {
                LogStale(logger, row.Address, job.Round, row.Round);
            }
            else if (LeaseHolder(row, now) is { } holder && holder.Owner != ownAttempt)
            {
                LogLeased(logger, row.Address, holder.Owner, holder.Until);
                leased.Add(row);
            }
            else
            {
                pending.Add(row);
            }
        }

        if (leased.Count > 0)
        {
            await ComeBackWhenLeasesLapseAsync(job, leased, now, cancellationToken);
        }

        if (pending.Count > 0 && suppressions.Enabled)
        {
            pending = await SkipSuppressedAsync(job, pending, now, cancellationToken);
        }

        if (pending.Count == 0)
        {
            LogNothingPending(logger, job.MessageId, job.Domain, job.Round);
            await IgnoreAsync(content);
            return;
        }

        var pacing = await pacer.AcquireAsync(job.Domain, cancellationToken);
        using var lease = pacing.Lease;
        if (lease is null && await DeferAsync(job, pacing, cancellationToken))
        {
            await IgnoreAsync(content);
            return;
        }

        // A download that started before the commit was seen can have asked before the upload landed (submission uploads
        // the blob and sends the jobs at once, and commits after both): its 404 says nothing. Only a download made after
        // the commit may find the content missing.
        content = content is null ? DownloadAsync(job, cancellationToken) : DownloadAgainIfMissingAsync(content, job, cancellationToken);
        var attempt = ownAttempt ?? Guid.NewGuid().ToString("N");
        var claimed = await ClaimAsync(job, pending, attempt, time.GetUtcNow(), cancellationToken);
        if (claimed.Count == 0)
        {
            LogNothingPending(logger, job.MessageId, job.Domain, job.Round);
            await IgnoreAsync(content);
            return;
        }

        await DeliverAsync(job, claimed, content, pacing, cancellationToken);
    }

    // Who holds a delivering row, if the lease is live. Rows claimed before leases existed carry no expiry: their claim
    // counts as a lease from its last update.
    private (string Owner, DateTimeOffset Until)? LeaseHolder(RecipientEntity row, DateTimeOffset now)
    {
        if (row.Status != RecipientStatus.Delivering)
        {
            return null;
        }

        var until = LeaseEnd(row);
        return until > now ? (row.LeaseOwner ?? "an earlier version", until) : null;
    }

    private DateTimeOffset LeaseEnd(RecipientEntity row) => row.LeaseUntil ?? row.UpdatedAt + _options.LeaseDuration;

    // Another attempt holds these recipients. It normally finishes and the rows move on (final, or a later round, which
    // makes this copy stale); if its worker died, nobody else would look at them before the sweeper does, so this copy
    // comes back just after the lease lapses and takes over.
    private async Task ComeBackWhenLeasesLapseAsync(DeliveryJob job, List<RecipientEntity> leased, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lapse = leased.Max(LeaseEnd);
        var copy = job.WithoutCommittedRows() with { Recipients = leased.Select(r => r.Address).ToList(), DueAt = lapse };
        await persistent.RunAsync("the job's return for leased recipients", ct => queue.SendAsync(copy, WholeSeconds(lapse - now), ct), cancellationToken);
    }

    // A queued job re-checks the list: its recipients may have been suppressed since it was submitted. Cheap: the list's
    // cache answers most lookups, and a miss is one point read per recipient, in parallel.
    private async Task<List<RecipientEntity>> SkipSuppressedAsync(DeliveryJob job, List<RecipientEntity> pending, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var found = await suppressions.FindAsync(job.SuppressionListId, pending.Select(r => r.Address), cancellationToken);
        if (found.Count == 0)
        {
            return pending;
        }

        await Task.WhenAll(pending.Where(r => found.ContainsKey(r.Address)).Select(r => MarkSuppressedAsync(r, found[r.Address], now, cancellationToken)));
        return pending.Where(r => !found.ContainsKey(r.Address)).ToList();
    }

    private async Task MarkSuppressedAsync(RecipientEntity row, SuppressionEntity entry, DateTimeOffset now, CancellationToken cancellationToken)
    {
        row.Status = RecipientStatus.Suppressed;
        row.LastResponse = entry.ToStatusText();
        row.UpdatedAt = now;
        row.NextAttemptAt = null;
        // EVENTS HOOK (suppressed at delivery): the intent rides in the same write.
        var intent = events.Intent(row.PartitionKey, [EventPublisher.Capture(row, EventTypes.Suppressed, row.EventSeq + 1, now)]);
        try
        {
            row.ETag = await status.UpdateRecipientAsync(row, row.ETag, intent, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            // Another copy of the job got to the row first; it decides.
            return;
        }

        await events.PublishAsync(intent, cancellationToken);

        Count("suppressed", row.Domain);
        metrics.Suppressed.Add(1, new KeyValuePair<string, object?>("stage", "delivery"));
        LogSuppressed(logger, row.Address, row.LastResponse);
    }

    // Pacing holds the job back: put it on the queue again for when it may go, without an attempt, a status change or a
    // new round. Past its queue lifetime it is not held back any more: false, and the caller expires its recipients.
    private async Task<bool> DeferAsync(DeliveryJob job, PacingDecision pacing, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expiresAt = retry.ExpiresAt(job.SubmittedAt);
        if (now >= expiresAt)
        {
            return false;
        }

        var until = pacing.DeferUntil!.Value < expiresAt ? pacing.DeferUntil.Value : expiresAt;
        await queue.SendAsync(job with { DueAt = until }, WholeSeconds(until - now), cancellationToken);
        return true;
    }

    private async Task DropOrRecheckAsync(DeliveryJob job, CommitState commit, DateTimeOffset now, long dequeueCount, CancellationToken cancellationToken)
    {
        if (commit == CommitState.Missing)
        {
            if (now - job.SubmittedAt < _orphanGrace)
            {
                // Jobs are enqueued just before the status commit; it may simply not have landed yet.
                LogNotYetCommitted(logger, job.MessageId, job.Domain, _options.OrphanRecheckDelay);
                await queue.SendAsync(job, _options.OrphanRecheckDelay, cancellationToken);
                return;
            }

            LogOrphan(logger, job.MessageId, job.Domain, dequeueCount);
            return;
        }

        LogOrphan(logger, job.MessageId, job.Domain, dequeueCount);
    }

    // Into pooled memory, held once: the relay parses and sends it where it lies. Null when the blob is not there. A small
    // message's job carries its MIME: no read at all.
    private Task<RecyclableMemoryStream?> DownloadAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        if (job.Content is not { } inline)
        {
            return blobs.DownloadToBufferAsync(job.BlobName, cancellationToken);
        }

        var buffer = MessageBuffers.Rent("delivery");
        buffer.Write(inline);
        buffer.Position = 0;
        return Task.FromResult<RecyclableMemoryStream?>(buffer);
    }

    private async Task<RecyclableMemoryStream?> DownloadAgainIfMissingAsync(Task<RecyclableMemoryStream?> early, DeliveryJob job, CancellationToken cancellationToken)
    {
        if (await early is { } octets)
        {
            return octets;
        }

        LogDownloadRacedCommit(logger, job.MessageId, job.Domain);
        return await DownloadAsync(job, cancellationToken);
    }

    private static async Task IgnoreAsync(Task<RecyclableMemoryStream?>? task)
    {
        if (task is null)
        {
            return;
        }

        try
        {
            (await task)?.Dispose();
        }
        catch (Exception ex) when (ex is RequestFailedException || StorageFaults.IsUnavailable(ex))
        {
            // Not needed after all.
        }
    }

    // The job was enqueued just before the submission's table commit; a fast worker can get here first. Look again a
    // few times (50, 100, 200 … ms) within CommitWaitTimeout rather than paying a re-enqueue and its delay.
    private async Task<(CommitState Commit, IReadOnlyList<RecipientEntity> Recipients)> ReadCommittedAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        var read = await ReadAsync(job, cancellationToken);
        var waited = TimeSpan.Zero;
        var pause = FirstCommitPoll;
        while (read.Commit == CommitState.Missing && waited < _options.CommitWaitTimeout && time.GetUtcNow() - job.SubmittedAt < _orphanGrace)
        {
            await Task.Delay(pause, time, cancellationToken);
            waited += pause;
            pause *= 2;
            read = await ReadAsync(job, cancellationToken);
        }

        return read;
    }

    // Point reads of the job's recipient rows only: the cheapest table operations on Azure, and the only indexed ones in
    // Azurite, whose queries scan the whole table. Every recipient of a job has a row in its message's commit, and the
    // commit stamps each with its submission token, so the rows alone tell ours from an orphan's, and no rows means no
    // commit (yet); rows committed before they carried the token leave it to the message row. Racing the commit, some
    // rows can be read just before it and others just after: the commit is one transaction, so once one row is there
    // all are, and reading them again closes the gap.
    private async Task<(CommitState Commit, IReadOnlyList<RecipientEntity> Recipients)> ReadAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        var expected = job.Recipients.Distinct(StringComparer.OrdinalIgnoreCase).Count();
        var rows = await status.GetRecipientsAsync(job.MessageId, job.Recipients, job.LegacyRowKeys, cancellationToken);
        if (rows.Count == 0)
        {
            return (CommitState.Missing, rows);
        }

        string token;
        if (rows.All(r => r.SubmissionToken.Length > 0))
        {
            token = rows[0].SubmissionToken;
        }
        else
        {
            var message = await status.GetMessageAsync(job.MessageId, cancellationToken);
            if (message is null)
            {
                return (CommitState.Missing, rows);
            }

            token = message.SubmissionToken;
        }

        if (rows.Count < expected)
        {
            rows = await status.GetRecipientsAsync(job.MessageId, job.Recipients, job.LegacyRowKeys, cancellationToken);
        }

        var ours = token == job.SubmissionToken && rows.All(r => r.SubmissionToken.Length == 0 || r.SubmissionToken == job.SubmissionToken);
        return (ours ? CommitState.Ours : CommitState.Other, rows);
    }

    private async Task DeliverAsync(
        DeliveryJob job, List<RecipientEntity> claimed, Task<RecyclableMemoryStream?> content, PacingDecision pacing, CancellationToken cancellationToken)
    {
        RelayResult result;
        using var mime = await content;
        var attempted = true;
        if (pacing.Lease is null)
        {
            // Held back by pacing until its lifetime ran out: expired without an attempt, on the last reply a peer gave.
            var congested = FailureClassifier.Congested(pacing.Destination);
            result = new RelayResult(claimed.ToDictionary(r => r.Address, r => RecordedReply.From(r, ReplyKind.Transient) ?? congested, StringComparer.OrdinalIgnoreCase), null, null, null);
            attempted = false;
        }
        else if (mime is not null)
        {
            using var renewal = new LeaseRenewal(this, claimed, cancellationToken);
            result = await relay.RelayAsync(
                new RelayRequest(job.Domain, job.Sender, claimed.Select(r => r.Address).ToList(), ReadOnlyMemory<byte>.Empty, job.RequiresSmtpUtf8, job.EightBit)
                {
                    Content = mime,
                },
                cancellationToken);
            await renewal.StopAsync();
        }
        else
        {
            // A committed message whose content is gone can never be delivered: say so rather than retry for days.
            var lost = FailureClassifier.Permanent("5.3.0", "the stored message content is missing");
            result = new RelayResult(claimed.ToDictionary(r => r.Address, _ => lost, StringComparer.OrdinalIgnoreCase), null, null, null);
        }

        if (result.UnconfirmedRecipients.Count > 0)
        {
            // The message went out whole and no reply came: the retry may deliver it a second time. Said once, here, so
            // that a duplicate a recipient reports can be traced to its cause.
            metrics.Unconfirmed.Add(result.UnconfirmedRecipients.Count, Domain(job));
            LogUnconfirmed(logger, result.UnconfirmedRecipients.Count, result.Peer ?? "");
        }

        // The slot is free as soon as the session is back in the cache (or closed); a throttling reply starts a backoff
        // that the retry of these recipients waits out too.
        var backoffUntil = pacing.Lease?.Report(result);
        pacing.Lease?.Dispose();

        var now = time.GetUtcNow();
        var outcomes = claimed.Select(r => (Row: r, Reply: ReplyFor(result, r.Address))).ToList();
        var transient = outcomes.Where(o => o.Reply.Kind == ReplyKind.Transient).ToList();
        var next = transient.Count > 0 ? retry.NextAttempt(job.Round, job.SubmittedAt, now) : null;
        if (next is { } scheduled && backoffUntil is { } backoff && backoff > scheduled)
        {
            var expiresAt = retry.ExpiresAt(job.SubmittedAt);
            next = backoff < expiresAt ? backoff : expiresAt;
        }

        var recording = new Recording(result, now, attempted);
        var delivered = outcomes.Where(o => o.Reply.Kind == ReplyKind.Success).ToList();
        await RecordAllAsync(delivered, RecipientStatus.Delivered, recording, cancellationToken);
        foreach (var (row, reply) in delivered)
        {
            metrics.Latency.Record(Math.Max(0, (now - job.SubmittedAt).TotalSeconds), Domain(job));
            Count("delivered", job);
            LogDelivered(logger, row.Address, result.Peer ?? "", reply.ToString());
        }

        var failed = outcomes.Where(o => o.Reply.Kind == ReplyKind.Permanent).Select(o => (o.Row, o.Reply, Outcome: "failed")).ToList();
        if (next is { } nextAttempt)
        {
            // The row moves to the next round before its job exists: a lost enqueue leaves an overdue row the sweeper
            // finds, never a job whose row has not caught up (and would look stale).
            await RecordAllAsync(transient, RecipientStatus.Deferred, recording with { NextAttempt = nextAttempt, Round = job.Round + 1 }, cancellationToken);
            // The rows are deferred now, no longer as committed: the retry reads them.
            var retryJob = job.WithoutCommittedRows() with
            {
                Recipients = transient.Select(o => o.Row.Address).ToList(),
                Round = job.Round + 1,
                DueAt = nextAttempt,
            };
            await persistent.RunAsync("the retry job", ct => queue.SendAsync(retryJob, WholeSeconds(nextAttempt - now), ct), cancellationToken);
            foreach (var (row, reply) in transient)
            {
                Count("deferred", job);
                LogDeferred(logger, row.Address, result.Peer ?? "", reply.ToString(), nextAttempt);
            }
        }
        else
        {
            failed.AddRange(transient.Select(o => (o.Row, FailureClassifier.Expired(o.Reply), Outcome: "expired")));
        }

        if (failed.Count == 0)
        {
            return;
        }

        // Before the final status: should we crash in between, the redelivered job finds the recipients suppressed.
        await Task.WhenAll(failed
            .Where(f => f.Outcome == "failed" && FailureClassifier.Suppresses(f.Reply))
            .Select(f => suppressions.AddAsync(job.SuppressionListId, f.Row.Address, f.Reply, job.MessageId, result.Peer, cancellationToken)));

        var dsnOwed = job.Sender is { Length: > 0 };
        var expired = failed.Where(f => f.Outcome == "expired").Select(f => f.Row.Address).ToHashSet(StringComparer.OrdinalIgnoreCase);
        await RecordAllAsync(failed.Select(f => (f.Row, f.Reply)).ToList(), RecipientStatus.Failed, recording with { DsnPending = dsnOwed, Expired = expired }, cancellationToken);
        foreach (var (row, reply, outcome) in failed)
        {
            Count(outcome, job);
            LogFailed(logger, row.Address, result.Peer ?? "", reply.ToString(), outcome);
        }

        if (dsnOwed)
        {
            await ReportAsync(job, cancellationToken);
        }
    }

    // One DSN per message: sent now when this job settled the message's last recipients, otherwise by a collection a
    // little later, so that the other domains' failures of this round go in the same report.
    private async Task ReportAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        if (await bounces.CollectAsync(job, onlyWhenAllFinal: true, cancellationToken) != BounceCollection.Waiting)
        {
            return;
        }

        var collect = job.WithoutCommittedRows() with { Kind = DeliveryJob.BounceKind, Domain = "", Recipients = [], DueAt = time.GetUtcNow() + _options.BounceCollectDelay };
        await persistent.RunAsync("the bounce collection job", ct => queue.SendAsync(collect, WholeSeconds(_options.BounceCollectDelay), ct), cancellationToken);
    }

    // Keeps the lease of the recipients being delivered alive while the attempt runs (a slow peer, a big message), so
    // that a short lease still lets another worker take over soon after this one dies. Stopped before the outcome is
    // recorded: the two never write the rows at once.
    private sealed class LeaseRenewal : IDisposable
    {
        private readonly CancellationTokenSource _stop;
        private readonly Task _loop;

        public LeaseRenewal(DeliveryJobHandler handler, List<RecipientEntity> rows, CancellationToken cancellationToken)
        {
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _loop = handler.RenewLeasesAsync(rows, _stop.Token);
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        public void Dispose() => _stop.Dispose();
    }

    private async Task RenewLeasesAsync(List<RecipientEntity> rows, CancellationToken cancellationToken)
    {
        var every = _options.LeaseDuration / 3;
        while (true)
        {
            await Task.Delay(every, time, cancellationToken);
            var until = time.GetUtcNow() + _options.LeaseDuration;
            foreach (var row in rows)
            {
                row.LeaseUntil = until;
            }

            try
            {
                await status.UpdateRecipientsAsync(rows, cancellationToken);
            }
            catch (Exception ex) when (ex is RequestFailedException or TableTransactionFailedException || StorageFaults.IsUnavailable(ex))
            {
                // The attempt goes on; recording its outcome settles any conflict (a taken-over row is re-read there).
                LogRenewalFailed(logger, rows.Count, ex.Message);
                if (ex is TableTransactionFailedException { Status: 412 })
                {
                    return;
                }
            }
        }
    }

    /// <summary>What one attempt writes onto each recipient row, beside the recipient's own reply.</summary>
    private sealed record Recording(RelayResult Result, DateTimeOffset Now, bool Attempted)
    {
        public DateTimeOffset? NextAttempt { get; init; }

        public int? Round { get; init; }

        public bool DsnPending { get; init; }

        /// <summary>Recipients (by address) whose failure is an expiry rather than a bounce, for their event.</summary>
        public HashSet<string>? Expired { get; init; }
    }

    // The job's recipients share a partition, so they are claimed in one table transaction: one request however many
    // there are. Should any of them have changed since it was read, the transaction changes none, and each is claimed on
    // its own to find out which ones are still ours. A claim is a lease: owner, expiry, and the round it was taken in.
    private async Task<List<RecipientEntity>> ClaimAsync(DeliveryJob job, List<RecipientEntity> pending, string attempt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (pending.Count > 1)
        {
            pending.ForEach(row => Lease(row, job, attempt, now));
            try
            {
                await status.UpdateRecipientsAsync(pending, cancellationToken);
                return pending;
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 412)
            {
                // Settled row by row below.
            }
        }

        var claims = pending.Select(async row =>
        {
            var etag = row.ETag;
            Lease(row, job, attempt, now);
            try
            {
                row.ETag = await status.UpdateRecipientAsync(row, etag, cancellationToken);
                return row;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // Either another copy of this job claimed it after we read it (it delivers, we don't), or our own update
                // landed although its response was lost and the SDK retried it with the old ETag: then the lease is ours.
                var fresh = await status.GetRecipientAsync(row, cancellationToken);
                if (fresh is { Status: RecipientStatus.Delivering } mine && mine.LeaseOwner == attempt)
                {
                    return mine;
                }

                LogClaimLost(logger, row.Address);
                return null;
            }
        });
        var results = await Task.WhenAll(claims);
        return results.OfType<RecipientEntity>().ToList();
    }

    private void Lease(RecipientEntity row, DeliveryJob job, string attempt, DateTimeOffset now)
    {
        row.Status = RecipientStatus.Delivering;
        row.LeaseOwner = attempt;
        row.LeaseUntil = now + _options.LeaseDuration;
        row.Round = Math.Max(row.Round, job.Round);
        row.UpdatedAt = now;
    }

    // Like the claim: one transaction for the recipients that share an outcome, row by row if any of them changed meanwhile;
    // either way with delivery's patient retry policy, since the peer has already acted on it.
    private async Task RecordAllAsync(List<(RecipientEntity Row, DeliveryReply Reply)> outcomes, string newStatus, Recording recording, CancellationToken cancellationToken)
    {
        if (outcomes.Count == 0)
        {
            return;
        }

        var attempts = outcomes.Select(o => o.Row.Attempts + (recording.Attempted ? 1 : 0)).ToList();
        var sequences = outcomes.Select(o => o.Row.EventSeq + 1).ToList();
        if (outcomes.Count > 1)
        {
            var settled = false;
            EventIntentEntity? intent = null;
            await persistent.RunAsync("the recipients' outcome", async ct =>
            {
                for (var i = 0; i < outcomes.Count; i++)
                {
                    Apply(outcomes[i].Row, newStatus, attempts[i], outcomes[i].Reply, recording);
                }

                // EVENTS HOOK (delivered/deferred/bounced/expired, one transaction): the intent is one more entity in it.
                intent = events.Intent(outcomes[0].Row.PartitionKey, outcomes.Select((o, i) => CaptureEvent(o.Row, newStatus, sequences[i], recording)).ToList());
                try
                {
                    await status.UpdateRecipientsAsync(outcomes.Select(o => o.Row).ToList(), intent, ct);
                    settled = true;
                }
                catch (TableTransactionFailedException ex) when (ex.Status == 412)
                {
                    // Settled row by row below.
                }
            }, cancellationToken);
            if (settled)
            {
                await events.PublishAsync(intent, cancellationToken);
                return;
            }
        }

        await Task.WhenAll(outcomes.Select((o, i) => persistent.RunAsync(
            "a recipient's outcome", ct => RecordAsync(o.Row, newStatus, attempts[i], sequences[i], o.Reply, recording, ct), cancellationToken)));
    }

    private async Task RecordAsync(RecipientEntity row, string newStatus, int attempts, int sequence, DeliveryReply reply, Recording recording, CancellationToken cancellationToken)
    {
        var current = row;
        for (var conflict = 0; ; conflict++)
        {
            Apply(current, newStatus, attempts, reply, recording);
            // EVENTS HOOK (delivered/deferred/bounced/expired, one row): the intent makes the update a two-entity transaction.
            var intent = events.Intent(current.PartitionKey, [CaptureEvent(current, newStatus, sequence, recording)]);
            try
            {
                current.ETag = await status.UpdateRecipientAsync(current, current.ETag, intent, cancellationToken);
                await events.PublishAsync(intent, cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && conflict < MaxRecordConflicts)
            {
                // Someone touched the row while we were sending (a copy that took over a lapsed lease, the sweeper). Our
                // outcome is what the peer said; keep a final status someone else recorded, otherwise write ours over
                // the fresh row (a delivery always: the peer has the message).
                var fresh = await status.GetRecipientAsync(row, cancellationToken);
                if (fresh is null || RecipientStatus.IsFinal(fresh.Status) && newStatus != RecipientStatus.Delivered)
                {
                    return;
                }

                current = fresh;
                sequence = fresh.EventSeq + 1;
            }
        }
    }

    private static void Apply(RecipientEntity row, string newStatus, int attempts, DeliveryReply reply, Recording recording)
    {
        var result = recording.Result;
        row.Status = newStatus;
        row.Attempts = attempts;
        row.LastResponse = reply.ToString();
        row.LastReplyCode = reply.Code;
        row.LastEnhancedCode = reply.EnhancedCode;
        row.MxHost = result.Peer ?? row.MxHost;
        row.Tls = result.Tls ?? row.Tls;
        row.TlsDetails = result.Peer is null ? row.TlsDetails : result.TlsDetails;
        row.UpdatedAt = recording.Now;
        row.DeliveredAt = newStatus == RecipientStatus.Delivered ? recording.Now : row.DeliveredAt;
        row.NextAttemptAt = recording.NextAttempt;
        row.Round = Math.Max(row.Round, recording.Round ?? row.Round);
        row.LeaseOwner = null;
        row.LeaseUntil = null;
        row.DsnPending = recording.DsnPending;
    }

    private static RecipientEvent CaptureEvent(RecipientEntity row, string newStatus, int sequence, Recording recording) => EventPublisher.Capture(
        row,
        newStatus switch
        {
            RecipientStatus.Delivered => EventTypes.Delivered,
            RecipientStatus.Deferred => EventTypes.Deferred,
            _ => recording.Expired?.Contains(row.Address) == true ? EventTypes.Expired : EventTypes.Bounced,
        },
        sequence,
        recording.Now);

    // Queue visibility is in whole seconds; a shorter wait would be truncated to none and the job would spin.
    private static TimeSpan WholeSeconds(TimeSpan delay) => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(delay.TotalSeconds)));

    private static DeliveryReply ReplyFor(RelayResult result, string address) =>
        result.Replies.TryGetValue(address, out var reply)
            ? reply
            : FailureClassifier.Transient("4.3.0", "no outcome was reported for this recipient");

    private enum CommitState
    {
        /// <summary>No submission with the job's message id has committed (yet).</summary>
        Missing,

        /// <summary>The job's own submission committed.</summary>
        Ours,

        /// <summary>Another submission with the same message id committed: the job is an orphan.</summary>
        Other,
    }

    private static KeyValuePair<string, object?> Domain(DeliveryJob job) => new("domain", job.Domain);

    private void Count(string outcome, DeliveryJob job) => Count(outcome, job.Domain);

    private void Count(string outcome, string domain) =>
        metrics.Attempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("domain", domain));

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Dropping job for {MessageId} ({RecipientDomain}): no committed submission matches it (dequeue {DequeueCount})")]
    private static partial void LogOrphan(ILogger logger, string messageId, string recipientDomain, long dequeueCount);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Job for {MessageId} ({RecipientDomain}) has no committed message yet; looking again in {Delay}")]
    private static partial void LogNotYetCommitted(ILogger logger, string messageId, string recipientDomain, TimeSpan delay);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Job for {MessageId} ({RecipientDomain}) round {Round}: every recipient is already final or being delivered by another worker")]
    private static partial void LogNothingPending(ILogger logger, string messageId, string recipientDomain, int round);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Content of {MessageId} ({RecipientDomain}) was not there before the commit was seen; reading it again")]
    private static partial void LogDownloadRacedCommit(ILogger logger, string messageId, string recipientDomain);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Recipient <{Recipient}> belongs to round {RowRound}; this copy of round {JobRound} is stale and leaves it alone")]
    private static partial void LogStale(ILogger logger, string recipient, int jobRound, int rowRound);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Information, Message = "Recipient <{Recipient}> is leased by attempt {Owner} until {LeaseUntil:o}; coming back then")]
    private static partial void LogLeased(ILogger logger, string recipient, string owner, DateTimeOffset leaseUntil);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "Renewing the lease of {Count} recipients failed: {Reason}")]
    private static partial void LogRenewalFailed(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "{Count} recipients got the whole message from {Peer} but no reply to it; the retry may deliver it twice")]
    private static partial void LogUnconfirmed(ILogger logger, int count, string peer);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Recipient <{Recipient}> is being delivered by another worker; skipped")]
    private static partial void LogClaimLost(ILogger logger, string recipient);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "to=<{Recipient}> status=suppressed ({Reason})")]
    private static partial void LogSuppressed(ILogger logger, string recipient, string reason);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "to=<{Recipient}> relay={Peer} status=delivered ({Reply})")]
    private static partial void LogDelivered(ILogger logger, string recipient, string peer, string reply);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "to=<{Recipient}> relay={Peer} status=deferred ({Reply}); next attempt {NextAttemptAt:o}")]
    private static partial void LogDeferred(ILogger logger, string recipient, string peer, string reply, DateTimeOffset nextAttemptAt);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "to=<{Recipient}> relay={Peer} status={Outcome} ({Reply})")]
    private static partial void LogFailed(ILogger logger, string recipient, string peer, string reply, string outcome);
}
