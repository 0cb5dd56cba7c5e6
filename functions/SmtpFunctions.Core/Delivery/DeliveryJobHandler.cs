using System.Buffers;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.IO;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Bounces;
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
/// recipients already final are skipped, and each pending one is claimed with an ETag-checked update before sending so
/// that two copies of a job racing each other don't both send. Recipients on the suppression list are skipped (status
/// <c>suppressed</c>, no DSN); a permanent mailbox-level failure puts the recipient on it. Before connecting, the job
/// takes a pacing lease for its destination; a job pacing holds back goes back on the queue without an attempt.
/// </remarks>
public sealed partial class DeliveryJobHandler(
    StatusStore status,
    MessageBlobs blobs,
    OutboundQueue queue,
    IMessageRelay relay,
    RetrySchedule retry,
    BounceSender bounces,
    SuppressionList suppressions,
    DestinationPacer pacer,
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
    private readonly TimeSpan _orphanGrace = OrphanGrace(options.Value, storage.Value);

    /// <summary>Handles one job given as the queue message body.</summary>
    public async Task HandleAsync(BinaryData body, long dequeueCount, CancellationToken cancellationToken)
    {
        var job = OutboundQueue.Deserialize(body);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MessageId"] = job.MessageId, ["RecipientDomain"] = job.Domain });
        var now = time.GetUtcNow();
        metrics.Age.Record(Math.Max(0, (now - (job.DueAt ?? job.SubmittedAt)).TotalSeconds), Domain(job));

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
        var pending = rows.Where(r => wanted.Contains(r.Address) && !RecipientStatus.IsFinal(r.Status)).ToList();
        if (pending.Count > 0 && suppressions.Enabled)
        {
            pending = await SkipSuppressedAsync(pending, now, cancellationToken);
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

        content ??= DownloadAsync(job, cancellationToken);
        var claimed = await ClaimAsync(pending, time.GetUtcNow(), cancellationToken);
        if (claimed.Count == 0)
        {
            LogNothingPending(logger, job.MessageId, job.Domain, job.Round);
            await IgnoreAsync(content);
            return;
        }

        await DeliverAsync(job, claimed, content, pacing, cancellationToken);
    }

    // A queued job re-checks the list: its recipients may have been suppressed since it was submitted. Cheap: the list's
    // cache answers most lookups, and a miss is one point read per recipient, in parallel.
    private async Task<List<RecipientEntity>> SkipSuppressedAsync(List<RecipientEntity> pending, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var found = await suppressions.FindAsync(pending.Select(r => r.Address), cancellationToken);
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
        try
        {
            row.ETag = await status.UpdateRecipientAsync(row, row.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            // Another copy of the job got to the row first; it decides.
            return;
        }

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

    // Into pooled memory, held once: the relay parses and sends it where it lies.
    private Task<RecyclableMemoryStream?> DownloadAsync(DeliveryJob job, CancellationToken cancellationToken) =>
        blobs.DownloadToBufferAsync(job.BlobName, cancellationToken);

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
        var rows = await status.GetRecipientsAsync(job.MessageId, job.Recipients, cancellationToken);
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
            rows = await status.GetRecipientsAsync(job.MessageId, job.Recipients, cancellationToken);
        }

        var ours = token == job.SubmissionToken && rows.All(r => r.SubmissionToken.Length == 0 || r.SubmissionToken == job.SubmissionToken);
        return (ours ? CommitState.Ours : CommitState.Other, rows);
    }

    private async Task DeliverAsync(
        DeliveryJob job, List<RecipientEntity> claimed, Task<RecyclableMemoryStream?> content, PacingDecision pacing, CancellationToken cancellationToken)
    {
        RelayResult result;
        using var mime = await content;
        if (pacing.Lease is null)
        {
            // Held back by pacing until its lifetime ran out: expired without an attempt.
            var congested = FailureClassifier.Congested(pacing.Destination);
            result = new RelayResult(claimed.ToDictionary(r => r.Address, _ => congested, StringComparer.OrdinalIgnoreCase), null, null, null);
        }
        else if (mime is not null)
        {
            result = await relay.RelayAsync(
                new RelayRequest(job.Domain, job.Sender, claimed.Select(r => r.Address).ToList(), ReadOnlyMemory<byte>.Empty, job.RequiresSmtpUtf8, job.EightBit)
                {
                    Content = mime,
                },
                cancellationToken);
        }
        else
        {
            // A committed message whose content is gone can never be delivered: say so rather than retry for days.
            var lost = FailureClassifier.Permanent("5.3.0", "the stored message content is missing");
            result = new RelayResult(claimed.ToDictionary(r => r.Address, _ => lost, StringComparer.OrdinalIgnoreCase), null, null, null);
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

        var delivered = outcomes.Where(o => o.Reply.Kind == ReplyKind.Success).ToList();
        await RecordAllAsync(delivered, RecipientStatus.Delivered, result, now, null, cancellationToken);
        foreach (var (row, reply) in delivered)
        {
            metrics.Latency.Record(Math.Max(0, (now - job.SubmittedAt).TotalSeconds), Domain(job));
            Count("delivered", job);
            LogDelivered(logger, row.Address, result.Peer ?? "", reply.ToString());
        }

        var failed = outcomes.Where(o => o.Reply.Kind == ReplyKind.Permanent).Select(o => (o.Row, o.Reply, Outcome: "failed")).ToList();
        if (next is { } nextAttempt)
        {
            await RecordAllAsync(transient, RecipientStatus.Deferred, result, now, nextAttempt, cancellationToken);
            var retryJob = job with
            {
                Recipients = transient.Select(o => o.Row.Address).ToList(),
                Round = job.Round + 1,
                DueAt = nextAttempt,
            };
            await queue.SendAsync(retryJob, WholeSeconds(nextAttempt - now), cancellationToken);
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

        // The DSN goes first: if we crash after it, the redelivered job fails the same recipients again and the
        // idempotency key turns the second DSN into a replay; the other order could lose the DSN.
        if (job.Sender is { Length: > 0 } sender)
        {
            var report = new BounceReport(
                job.MessageId,
                sender,
                job.SubmittedAt,
                HeaderBlock(mime),
                failed.Select(f => new FailedRecipient(f.Row.Address, f.Reply, RemoteMta(result.Peer), now)).ToList());
            await bounces.SendAsync(report, $"dsn:{job.MessageId}:{job.Domain}:{job.Round}", cancellationToken);
        }

        // Before the final status: should we crash in between, the redelivered job finds the recipients suppressed.
        await Task.WhenAll(failed
            .Where(f => f.Outcome == "failed" && FailureClassifier.Suppresses(f.Reply))
            .Select(f => suppressions.AddAsync(f.Row.Address, f.Reply, job.MessageId, result.Peer, cancellationToken)));

        await RecordAllAsync(failed.Select(f => (f.Row, f.Reply)).ToList(), RecipientStatus.Failed, result, now, null, cancellationToken);
        foreach (var (row, reply, outcome) in failed)
        {
            Count(outcome, job);
            LogFailed(logger, row.Address, result.Peer ?? "", reply.ToString(), outcome);
        }
    }

    // The job's recipients share a partition, so they are claimed in one table transaction: one request however many
    // there are. Should any of them have changed since it was read, the transaction changes none, and each is claimed on
    // its own to find out which ones are still ours.
    private async Task<List<RecipientEntity>> ClaimAsync(List<RecipientEntity> pending, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (pending.Count > 1)
        {
            foreach (var row in pending)
            {
                row.Status = RecipientStatus.Delivering;
                row.UpdatedAt = now;
            }

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
            row.Status = RecipientStatus.Delivering;
            row.UpdatedAt = now;
            try
            {
                row.ETag = await status.UpdateRecipientAsync(row, etag, cancellationToken);
                return row;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // Either another copy of this job claimed it after we read it (it delivers, we don't), or our own update
                // landed although its response was lost and the SDK retried it with the old ETag: then the row carries
                // our claim, stamped with our time (the table keeps at least millisecond precision).
                var fresh = await status.GetRecipientsAsync(row.PartitionKey, [row.Address], cancellationToken);
                if (fresh is [{ Status: RecipientStatus.Delivering } mine] && (mine.UpdatedAt - now).Duration() < SameStamp)
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

    // Like the claim: one transaction for the recipients that share an outcome, row by row if any of them changed meanwhile.
    private async Task RecordAllAsync(
        List<(RecipientEntity Row, DeliveryReply Reply)> outcomes, string newStatus, RelayResult result, DateTimeOffset now,
        DateTimeOffset? nextAttempt, CancellationToken cancellationToken)
    {
        var attempts = outcomes.Select(o => o.Row.Attempts + 1).ToList();
        if (outcomes.Count > 1)
        {
            for (var i = 0; i < outcomes.Count; i++)
            {
                Apply(outcomes[i].Row, newStatus, attempts[i], outcomes[i].Reply, result, now, nextAttempt);
            }

            try
            {
                await status.UpdateRecipientsAsync(outcomes.Select(o => o.Row).ToList(), cancellationToken);
                return;
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 412)
            {
                // Settled row by row below.
            }
        }

        await Task.WhenAll(outcomes.Select((o, i) => RecordAsync(o.Row, newStatus, attempts[i], o.Reply, result, now, nextAttempt, cancellationToken)));
    }

    private async Task RecordAsync(
        RecipientEntity row, string newStatus, int attempts, DeliveryReply reply, RelayResult result, DateTimeOffset now, DateTimeOffset? nextAttempt,
        CancellationToken cancellationToken)
    {
        var current = row;
        for (var conflict = 0; ; conflict++)
        {
            Apply(current, newStatus, attempts, reply, result, now, nextAttempt);
            try
            {
                current.ETag = await status.UpdateRecipientAsync(current, current.ETag, cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && conflict < MaxRecordConflicts)
            {
                // Someone touched the row while we were sending (a racing copy of the job). Our outcome is what the peer
                // said; keep a final status someone else recorded, otherwise write ours over the fresh row.
                var fresh = await status.GetRecipientsAsync(row.PartitionKey, [row.Address], cancellationToken);
                if (fresh.Count == 0 || RecipientStatus.IsFinal(fresh[0].Status) && newStatus != RecipientStatus.Delivered)
                {
                    return;
                }

                current = fresh[0];
            }
        }
    }

    private static void Apply(
        RecipientEntity row, string newStatus, int attempts, DeliveryReply reply, RelayResult result, DateTimeOffset now, DateTimeOffset? nextAttempt)
    {
        row.Status = newStatus;
        row.Attempts = attempts;
        row.LastResponse = reply.ToString();
        row.LastReplyCode = reply.Code;
        row.LastEnhancedCode = reply.EnhancedCode;
        row.MxHost = result.Peer ?? row.MxHost;
        row.Tls = result.Tls ?? row.Tls;
        row.TlsDetails = result.Peer is null ? row.TlsDetails : result.TlsDetails;
        row.UpdatedAt = now;
        row.DeliveredAt = newStatus == RecipientStatus.Delivered ? now : row.DeliveredAt;
        row.NextAttemptAt = nextAttempt;
    }

    // A submission can take as long as its three storage writes with every retry timing out; its commit may land that
    // late, so a job is not called an orphan before then, whatever OrphanGracePeriod says.
    private static TimeSpan OrphanGrace(DeliveryOptions delivery, StorageOptions storage)
    {
        var backoff = TimeSpan.FromSeconds(Math.Max(storage.RetryDelay.TotalSeconds * 8, 1));
        var perWrite = (storage.NetworkTimeout * (storage.MaxRetries + 1)) + (backoff * storage.MaxRetries);
        var worstSubmission = perWrite * 3;
        return delivery.OrphanGracePeriod > worstSubmission ? delivery.OrphanGracePeriod : worstSubmission;
    }

    // Queue visibility is in whole seconds; a shorter wait would be truncated to none and the job would spin.
    private static TimeSpan WholeSeconds(TimeSpan delay) => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(delay.TotalSeconds)));

    private static DeliveryReply ReplyFor(RelayResult result, string address) =>
        result.Replies.TryGetValue(address, out var reply)
            ? reply
            : FailureClassifier.Transient("4.3.0", "no outcome was reported for this recipient");

    // The DSN quotes the header block (RFC 3464 text/rfc822-headers): a copy of that part only, the buffer goes back.
    private static ReadOnlyMemory<byte> HeaderBlock(RecyclableMemoryStream? mime)
    {
        if (mime is null)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var octets = mime.GetReadOnlySequence();
        var reader = new SequenceReader<byte>(octets);
        return reader.TryReadTo(out ReadOnlySequence<byte> headers, "\r\n\r\n"u8, advancePastDelimiter: false)
            ? octets.Slice(0, headers.Length + 2).ToArray()
            : octets.ToArray();
    }

    private static string? RemoteMta(string? peer)
    {
        if (peer is null)
        {
            return null;
        }

        var bracket = peer.IndexOf('[', StringComparison.Ordinal);
        return bracket > 0 ? peer[..bracket] : peer.Split(':')[0];
    }

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
