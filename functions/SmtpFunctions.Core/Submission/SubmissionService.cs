using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Events;
using SmtpFunctions.Core.Domains;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Suppression;
using SmtpFunctions.Core.Sweeping;
using SmtpFunctions.Core.Telemetry;

namespace SmtpFunctions.Core.Submission;

/// <summary>
/// The one path every message enters by (HTTP JSON, HTTP MIME, SMTP, DSNs): validate, build the MIME, store it, write the
/// status rows, enqueue one delivery job per recipient domain — and only then say yes.
/// </summary>
/// <remarks>
/// Write order: blob and the sweeper's index row (in parallel), then the status rows in one table transaction, then the
/// jobs, carrying the ETags the commit gave the rows. The transaction is the commit point: a failure anywhere before it
/// leaves nothing that claims to be queued, and a committed message is in the sweeper's index, so a job lost after it
/// is re-driven.
/// Recipients on the suppression list are accepted as <c>suppressed</c>: no job carries them and no DSN is sent (the
/// caller is told here).
/// </remarks>
public sealed partial class SubmissionService(
    MessagePreparer preparer,
    TenantDomainCache tenantDomains,
    MessageBlobs blobs,
    OutboundQueue queue,
    StatusStore status,
    SweepIndex sweepIndex,
    MessageIds ids,
    SuppressionList suppressions,
    EventPublisher events,
    TimeProvider time,
    MailMetrics metrics,
    IOptions<SubmissionOptions> options,
    ILogger<SubmissionService> logger)
{
    private readonly int _inlineContentMaxBytes = options.Value.InlineContentMaxBytes;

    private static readonly JsonSerializerOptions ReceiptJson = new();

    /// <summary>Accepts a message durably or says why not.</summary>
    public async Task<SubmissionOutcome> SubmitAsync(SubmissionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        var source = new KeyValuePair<string, object?>("source", SourceName(request.Source));
        var outcome = await SubmitCoreAsync(request, cancellationToken);
        if (outcome.Receipt is { Replayed: false })
        {
            metrics.Submitted.Add(1, source);
            metrics.SubmitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, source);
        }
        else if (outcome.Error is { } error)
        {
            metrics.Rejected.Add(1, source, new KeyValuePair<string, object?>("reason", error.Kind.ToString()));
        }

        return outcome;
    }

    private async Task<SubmissionOutcome> SubmitCoreAsync(SubmissionRequest request, CancellationToken cancellationToken)
    {
        var id = request.IdempotencyKey is { } key && key.Length > 0 ? MessageIds.ForIdempotencyKey(request.TenantId, key) : ids.New();
        // Hashed before preparing, which releases the submitted octets as soon as it is done with them.
        var bodyHash = BodyHash(request);
        // Tenant domains (sender rule and DKIM keys): a cache hit on the hot path, storage only every Domains:CacheTtl.
        TenantDomains domains;
        try
        {
            domains = await tenantDomains.GetAsync(request.TenantId, cancellationToken);
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            request.Payload.Owner?.Dispose();
            LogStorageUnavailable(logger, id, ex);
            return Reject(SubmissionError.StorageUnavailable());
        }

        if (!preparer.TryPrepare(request, id, time.GetUtcNow(), domains, out var prepared, out var error))
        {
            return Reject(error!);
        }

        using var stored = prepared!;
        try
        {
            if (request.IdempotencyKey is not null && await ReplayOrConflictAsync(request.TenantId, id, bodyHash, cancellationToken) is { } earlier)
            {
                return earlier;
            }

            return await StoreAsync(request, id, bodyHash, stored, cancellationToken);
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogStorageUnavailable(logger, id, ex);
            return Reject(SubmissionError.StorageUnavailable());
        }
    }

    private async Task<SubmissionOutcome> StoreAsync(
        SubmissionRequest request, string id, string bodyHash, PreparedSubmission prepared, CancellationToken cancellationToken)
    {
        var (message, envelope, _, requiresUtf8, eightBit, dkim) = prepared;
        var now = time.GetUtcNow();
        var token = Guid.NewGuid().ToString("N");
        var blobName = MessageBlobs.NameFor(id, token);
        var suppressionList = request.SuppressionList ?? SuppressionLists.For(request.TenantId);
        // One round trip before the commit: the blob, which files the message in the sweeper's index by its tag (stored
        // before the commit, the entry can only be early — an orphan's is dropped after the orphan grace — never missing
        // for a committed message), and the suppression lookup (none when the list is off, usually a cache hit when on).
        // EVENTS HOOK (accepted/suppressed): queued with them, before the commit, which the dispatcher checks like delivery does.
        var lookup = suppressions.FindAsync(suppressionList, envelope.Recipients.Select(r => r.Address), cancellationToken);
        await Task.WhenAll(
            blobs.UploadAsync(blobName, prepared.OpenRead(), cancellationToken, sweepIndex.FilingTags(now)),
            lookup,
            events.AcceptedAsync(id, token, now, cancellationToken));
        var suppressed = await lookup;

        var accepted = envelope.Recipients
            .Select(r => new AcceptedRecipient(r.Address, suppressed.ContainsKey(r.Address) ? RecipientStatus.Suppressed : RecipientStatus.Queued))
            .ToList();
        var messageRow = new MessageEntity
        {
            PartitionKey = id,
            RowKey = MessageEntity.RowKeyFor(id),
            SubmittedAt = now,
            Sender = envelope.Sender?.Address ?? "",
            Source = SourceName(request.Source),
            Size = prepared.Size,
            BlobName = blobName,
            SubmissionToken = token,
            BodyHash = bodyHash,
            HeaderMessageId = message.MessageId ?? "",
            RecipientCount = envelope.Recipients.Count,
            RequiresSmtpUtf8 = requiresUtf8,
            EightBit = eightBit,
            AcceptedRecipientsJson = JsonSerializer.Serialize(accepted, ReceiptJson),
            Dkim = dkim,
            TenantId = request.TenantId,
            SuppressionList = suppressionList == SuppressionLists.For(request.TenantId) ? "" : suppressionList,
            MetadataJson = prepared.Metadata is { Count: > 0 } metadata ? JsonSerializer.Serialize(metadata, ReceiptJson) : "",
            TagsJson = prepared.Tags is { Count: > 0 } tags ? JsonSerializer.Serialize(tags, ReceiptJson) : "",
        };
        var eventSeq = events.Enabled ? 1 : 0;
        // A small message rides in its jobs too: its delivery then reads no blob.
        var content = prepared.Size <= _inlineContentMaxBytes ? prepared.Mime.ToArray() : null;
        var recipientRows = envelope.Recipients.Select(r => suppressed.TryGetValue(r.Address, out var entry)
            ? RecipientEntity.Committed(id, r.Address, r.Domain, token, now, eventSeq, RecipientStatus.Suppressed, entry.ToStatusText())
            : RecipientEntity.Committed(id, r.Address, r.Domain, token, now, eventSeq)).ToList();

        // A conflict is another request with the same idempotency key that committed between our replay check and our
        // commit (answered from its row), or our own transaction, applied although its response was lost and the SDK
        // retried it: then the message is ours and its blob must stay.
        Commit commit;
        try
        {
            commit = await CommitAsync(messageRow, recipientRows, cancellationToken);
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            // Nobody can tell whether the commit applied. Should it have, the message must not wait for the sweeper once
            // the client's retry (same Idempotency-Key) is answered from it: its jobs go out now, without ETags. Should it
            // not have, they are orphans, which delivery drops after the orphan grace.
            await EnqueueAsync(id, token, envelope, suppressed, messageRow, null, suppressionList, eventSeq, content, cancellationToken);
            throw;
        }

        if (commit == Commit.Exists && (await status.GetMessageAsync(id, cancellationToken))?.SubmissionToken != token)
        {
            await blobs.DeleteIfExistsAsync(blobName, cancellationToken);
            return await ReplayOrConflictAsync(request.TenantId, id, bodyHash, cancellationToken)
                ?? throw new InvalidOperationException($"Message {id} reported as existing but cannot be read.");
        }

        var jobCount = await EnqueueAsync(id, token, envelope, suppressed, messageRow, commit == Commit.Applied ? recipientRows : null, suppressionList, eventSeq, content, cancellationToken);
        LogAccepted(logger, id, messageRow.Sender, envelope.Recipients.Count, jobCount, prepared.Size, messageRow.Source);
        if (suppressed.Count > 0)
        {
            metrics.Suppressed.Add(suppressed.Count, new KeyValuePair<string, object?>("stage", "submission"));
        }

        return SubmissionOutcome.Accepted(new SubmissionReceipt { MessageId = id, Recipients = accepted });
    }

    // The jobs go out after the commit, so each can carry the ETags its rows got from it and delivery claims them without
    // reading them first. The message is accepted already (committed and in the sweeper's index): should the enqueue fail,
    // the sweeper re-drives the recipients at its first look, so the answer is still yes rather than a 503 that a client
    // without an Idempotency-Key would turn into a second message.
    private async Task<int> EnqueueAsync(
        string id, string token, Envelope envelope, IReadOnlyDictionary<string, SuppressionEntity> suppressed, MessageEntity messageRow,
        IReadOnlyList<RecipientEntity>? committed, string suppressionList, int eventSeq, byte[]? content, CancellationToken cancellationToken)
    {
        var etags = committed?.ToDictionary(r => r.Address, r => r.ETag.ToString(), StringComparer.OrdinalIgnoreCase);
        var jobs = envelope.ByDomain().Select(group =>
        {
            var recipients = group.Where(r => !suppressed.ContainsKey(r.Address)).Select(r => r.Address).ToList();
            return new DeliveryJob
            {
                MessageId = id,
                SubmissionToken = token,
                Domain = group.Key,
                Recipients = recipients,
                Sender = envelope.Sender?.Address,
                BlobName = messageRow.BlobName,
                Content = content,
                Size = messageRow.Size,
                RequiresSmtpUtf8 = messageRow.RequiresSmtpUtf8,
                EightBit = messageRow.EightBit,
                SubmittedAt = messageRow.SubmittedAt,
                SuppressionList = suppressionList,
                CommittedETags = etags is null ? null : recipients.ToDictionary(a => a, a => etags[a], StringComparer.OrdinalIgnoreCase),
                CommittedEventSeq = etags is null || eventSeq == 0 ? null : eventSeq,
            };
        }).Where(job => job.Recipients.Count > 0).ToList();
        try
        {
            await Task.WhenAll(jobs.Select(job => queue.SendAsync(job, TimeSpan.Zero, cancellationToken)));
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogEnqueueFailed(logger, id, jobs.Count, ex);
            metrics.LeftToSweeper.Add(jobs.Count);
        }

        return jobs.Count;
    }

    // A transaction can be applied although no answer came back (a timeout, a dropped connection, every retry alike). Then
    // the message is queued, and answering 503 would make a client without an Idempotency-Key send it twice: so before
    // giving up, read the message row once; our token on it means the commit is ours (but its rows' ETags are unknown:
    // its jobs read the rows). If that read fails too, the 503 stands (its problem says to retry with the same key).
    private async Task<Commit> CommitAsync(MessageEntity messageRow, IReadOnlyList<RecipientEntity> recipientRows, CancellationToken cancellationToken)
    {
        try
        {
            return await status.CommitAsync(messageRow, recipientRows, cancellationToken) ? Commit.Applied : Commit.Exists;
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            MessageEntity? stored = null;
            try
            {
                stored = await status.GetMessageAsync(messageRow.PartitionKey, cancellationToken);
            }
            catch (Exception readFault) when (StorageFaults.IsUnavailable(readFault) && !cancellationToken.IsCancellationRequested)
            {
                // Storage is still away: nothing tells either way, and the commit's own fault is the one to report.
            }

            if (stored?.SubmissionToken != messageRow.SubmissionToken)
            {
                throw;
            }

            LogCommitConfirmedByReadBack(logger, messageRow.PartitionKey, ex);
            return Commit.ConfirmedByReadBack;
        }
    }

    private enum Commit
    {
        /// <summary>The transaction applied and answered: the rows' ETags are known.</summary>
        Applied,

        /// <summary>The transaction applied, as reading the message row back showed, but its answer was lost.</summary>
        ConfirmedByReadBack,

        /// <summary>A message with this id exists already (ours, if our own retried transaction made it).</summary>
        Exists,
    }

    private async Task<SubmissionOutcome?> ReplayOrConflictAsync(string tenantId, string id, string bodyHash, CancellationToken cancellationToken)
    {
        var existing = await status.GetMessageAsync(id, cancellationToken);
        if (existing is not null && existing.OwnerTenantId() != tenantId)
        {
            // Ids of different tenants' keys differ by construction; should two ever meet, neither sees the other's message.
            existing = null;
        }

        switch (IdempotencyDecision.Decide(existing?.BodyHash, bodyHash))
        {
            case IdempotencyVerdict.Replay:
                var recipients = JsonSerializer.Deserialize<List<AcceptedRecipient>>(existing!.AcceptedRecipientsJson, ReceiptJson) ?? [];
                return SubmissionOutcome.Accepted(new SubmissionReceipt { MessageId = id, Recipients = recipients, Replayed = true });
            case IdempotencyVerdict.Conflict:
                return Reject(new SubmissionError(
                    SubmissionErrorKind.IdempotencyConflict,
                    "Idempotency key reused",
                    "This Idempotency-Key was already used with a different request body.",
                    [new FieldError("Idempotency-Key", "already used with a different body")]));
            default:
                return null;
        }
    }

    private static string BodyHash(SubmissionRequest request)
    {
        var bytes = request.Payload switch
        {
            JsonPayload json => json.Utf8Json,
            MimePayload raw => raw.Octets,
            _ => ReadOnlySequence<byte>.Empty,
        };
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(request.Payload.GetType().Name + "\n"));
        foreach (var segment in bytes)
        {
            hash.AppendData(segment.Span);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    internal static string SourceName(SubmissionSource source) => source switch
    {
        SubmissionSource.HttpJson => "http-json",
        SubmissionSource.HttpMime => "http-mime",
        SubmissionSource.Smtp => "smtp",
        SubmissionSource.Bounce => "bounce",
        _ => source.ToString(),
    };

    private static SubmissionOutcome Reject(SubmissionError error) => SubmissionOutcome.Rejected(error);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Accepted {MessageId} from <{Sender}> for {RecipientCount} recipients in {JobCount} jobs, {Size} octets, via {Source}")]
    private static partial void LogAccepted(ILogger logger, string messageId, string sender, int recipientCount, int jobCount, long size, string source);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning,
        Message = "Storage failed to confirm the commit of {MessageId}, but reading it back shows it applied; accepted")]
    private static partial void LogCommitConfirmedByReadBack(ILogger logger, string messageId, Exception exception);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning,
        Message = "Committed {MessageId} but could not enqueue its {JobCount} jobs; the sweeper re-drives them at its first look")]
    private static partial void LogEnqueueFailed(ILogger logger, string messageId, int jobCount, Exception exception);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Storage unavailable while accepting {MessageId}; nothing acknowledged")]
    private static partial void LogStorageUnavailable(ILogger logger, string messageId, Exception exception);
}
