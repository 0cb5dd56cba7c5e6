using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Events;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Core.Bounces;

/// <summary>
/// Puts every recipient of a message that failed and is not reported yet (<see cref="RecipientEntity.DsnPending"/>) into
/// one DSN, whichever domain's job failed it: one DSN per message per round, as Postfix's bounce daemon sends.
/// </summary>
/// <remarks>
/// The DSN is submitted before the flags are cleared: a crash in between sends the same report again under the same
/// idempotency key (derived from the reported set), which replays instead of sending a second DSN. RFC 3464.
/// </remarks>
public sealed partial class BounceCollector(StatusStore status, MessageBlobs blobs, BounceSender sender, EventPublisher events, TimeProvider time, ILogger<BounceCollector> logger)
{
    private static readonly JsonSerializerOptions ReceiptJson = new();

    /// <summary>
    /// Sends the DSN for the message of <paramref name="job"/>. With <paramref name="onlyWhenAllFinal"/>, only when no
    /// recipient of the message is still in flight (others may fail too and belong in the same report): otherwise
    /// <see cref="BounceCollection.Waiting"/>, and the caller schedules a collection for later.
    /// </summary>
    public async Task<BounceCollection> CollectAsync(DeliveryJob job, bool onlyWhenAllFinal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var message = await status.GetMessageAsync(job.MessageId, cancellationToken);
        if (message is null || message.SubmissionToken != job.SubmissionToken)
        {
            return BounceCollection.NothingPending;
        }

        var addresses = (JsonSerializer.Deserialize<List<AcceptedRecipient>>(message.AcceptedRecipientsJson, ReceiptJson) ?? [])
            .Select(r => r.Address).ToList();
        var rows = await status.GetRecipientsAsync(job.MessageId, addresses, job.LegacyRowKeys, cancellationToken);
        var pending = rows.Where(r => r.DsnPending).ToList();
        if (pending.Count == 0)
        {
            return BounceCollection.NothingPending;
        }

        if (onlyWhenAllFinal && rows.Any(r => !RecipientStatus.IsFinal(r.Status)))
        {
            return BounceCollection.Waiting;
        }

        if (message.Sender.Length > 0)
        {
            var headers = await HeaderBlockAsync(message.BlobName, cancellationToken);
            var report = new BounceReport(
                job.MessageId,
                message.Sender,
                message.SubmittedAt,
                headers,
                pending.Select(r => new FailedRecipient(
                    r.Address,
                    RecordedReply.From(r, ReplyKind.Permanent) ?? new DeliveryReply(ReplyKind.Permanent, null, "5.0.0", "delivery failed"),
                    RemoteMta(r.MxHost),
                    r.UpdatedAt)).ToList(),
                message.SuppressionListId());
            await sender.SendAsync(report, IdempotencyKey(job.MessageId, pending), cancellationToken);
        }

        await ClearAsync(pending, message.Sender.Length > 0, cancellationToken);
        LogCollected(logger, job.MessageId, pending.Count);
        return BounceCollection.Sent;
    }

    // One transaction for the reported rows; a row that changed meanwhile is re-read and cleared if it still waits.
    // EVENTS HOOK (dsn.sent): each cleared flag's write carries the recipient's dsn.sent event, when a DSN was sent.
    private async Task ClearAsync(List<RecipientEntity> reported, bool dsnSent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var sequences = reported.Select(r => r.EventSeq + 1).ToList();
        foreach (var row in reported)
        {
            row.DsnPending = false;
        }

        var intent = dsnSent ? events.Intent(reported[0].PartitionKey, reported.Select((r, i) => EventPublisher.Capture(r, EventTypes.DsnSent, sequences[i], now)).ToList()) : null;
        try
        {
            await status.UpdateRecipientsAsync(reported, intent, cancellationToken);
            await events.PublishAsync(intent, cancellationToken);
            return;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 412)
        {
            // Settled row by row below.
        }

        foreach (var row in reported)
        {
            var fresh = await status.GetRecipientAsync(row, cancellationToken);
            if (fresh is not { DsnPending: true })
            {
                continue;
            }

            fresh.DsnPending = false;
            var single = dsnSent ? events.Intent(fresh.PartitionKey, [EventPublisher.Capture(fresh, EventTypes.DsnSent, fresh.EventSeq + 1, now)]) : null;
            try
            {
                await status.UpdateRecipientAsync(fresh, fresh.ETag, single, cancellationToken);
                await events.PublishAsync(single, cancellationToken);
            }
            catch (RequestFailedException conflict) when (conflict.Status == 412)
            {
                // Another collection cleared it.
            }
        }
    }

    private async Task<ReadOnlyMemory<byte>> HeaderBlockAsync(string blobName, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> mime;
        try
        {
            mime = (await blobs.DownloadAsync(blobName, cancellationToken)).ToMemory();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // The content is gone (the 5.3.0 case): the DSN still reports, without the original headers.
            return ReadOnlyMemory<byte>.Empty;
        }

        var end = mime.Span.IndexOf("\r\n\r\n"u8);
        return end < 0 ? mime : mime[..(end + 2)];
    }

    // The set reported names the DSN: the same failures reported twice (a crash before the flags were cleared) replay.
    private static string IdempotencyKey(string messageId, IEnumerable<RecipientEntity> reported)
    {
        var names = string.Join("\n", reported.Select(r => r.Address.ToLowerInvariant()).Order(StringComparer.Ordinal));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(names)))[..16];
        return $"dsn:{messageId}:{hash}";
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

    [LoggerMessage(EventId = 3203, Level = LogLevel.Information, Message = "Reported {FailedCount} failed recipients of {MessageId}")]
    private static partial void LogCollected(ILogger logger, string messageId, int failedCount);
}
