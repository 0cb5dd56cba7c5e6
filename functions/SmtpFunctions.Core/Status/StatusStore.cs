using Azure;
using Azure.Data.Tables;
using SmtpFunctions.Core.Events;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Core.Status;

/// <summary>Reads and writes the status table: one partition per message, one row for it and one per recipient.</summary>
public sealed class StatusStore
{
    private const int MaxBatch = 100;
    private readonly ShardClients<TableClient> _tables;

    /// <summary>Binds to the <c>messages</c> table of every shard's account (<see cref="ShardAccounts"/>).</summary>
    public StatusStore(ShardAccounts accounts)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        _tables = accounts.PerShard(a => a.Tables.GetTableClient(StorageNames.MessagesTable));
    }

    /// <summary>The <c>messages</c> table that holds message <paramref name="id"/>'s partition: its shard's account's.</summary>
    public TableClient TableFor(string id) => _tables.ForMessage(id);

    /// <summary>
    /// Writes the message row and its recipient rows in one table transaction: a reader sees all of them or none. False
    /// when the message already exists (another attempt with the same idempotency key committed first).
    /// </summary>
    /// <remarks>
    /// One transaction holds at most 100 entities, hence <c>Submission:MaxRecipients</c> ≤ 99. Each recipient row is
    /// stamped with the message row's <see cref="MessageEntity.SubmissionToken"/>: delivery reads only the rows it needs.
    /// The recipient entities get the ETags the commit gave them, which the first-round jobs carry.
    /// </remarks>
    public async Task<bool> CommitAsync(MessageEntity message, IReadOnlyList<RecipientEntity> recipients, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(recipients);
        if (recipients.Count + 1 > MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(recipients), "A message's rows must fit in one table transaction.");
        }

        foreach (var recipient in recipients)
        {
            recipient.SubmissionToken = message.SubmissionToken;
        }

        var actions = new List<TableTransactionAction>(recipients.Count + 1)
        {
            new(TableTransactionActionType.Add, message),
        };
        actions.AddRange(recipients.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r.ToRow())));
        Response<IReadOnlyList<Response>> response;
        try
        {
            response = await TableFor(message.PartitionKey).SubmitTransactionAsync(actions, cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            return false;
        }

        // The responses come in the order of the actions: the message row first.
        for (var i = 0; i < recipients.Count; i++)
        {
            recipients[i].ETag = response.Value[i + 1].Headers.ETag ?? default;
        }

        return true;
    }

    /// <summary>The message row alone, or null.</summary>
    /// <remarks>
    /// A miss looks once more under the legacy RowKey, so that a message committed before RowKeys carried its id still
    /// answers for its idempotency key: one read more, on misses only.
    /// </remarks>
    public async Task<MessageEntity?> GetMessageAsync(string id, CancellationToken cancellationToken)
    {
        var table = TableFor(id);
        var response = await table.GetEntityIfExistsAsync<MessageEntity>(id, MessageEntity.RowKeyFor(id), cancellationToken: cancellationToken);
        if (!response.HasValue)
        {
            response = await table.GetEntityIfExistsAsync<MessageEntity>(id, MessageEntity.LegacyRowKey, cancellationToken: cancellationToken);
        }

        return response.HasValue ? response.Value : null;
    }

    /// <summary>The whole partition in one query: the message row (null if the message does not exist) and its recipients.</summary>
    public async Task<(MessageEntity? Message, List<RecipientEntity> Recipients)> GetAsync(string id, CancellationToken cancellationToken)
    {
        var (message, recipients, _) = await GetWithIntentsAsync(id, cancellationToken);
        return (message, recipients);
    }

    /// <summary>As <see cref="GetAsync"/>, with the event intents not yet dispatched (the same one query).</summary>
    public async Task<(MessageEntity? Message, List<RecipientEntity> Recipients, List<EventIntentEntity> Intents)> GetWithIntentsAsync(
        string id, CancellationToken cancellationToken)
    {
        MessageEntity? message = null;
        var recipients = new List<RecipientEntity>();
        var intents = new List<EventIntentEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {id}");
        await foreach (var row in TableFor(id).QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (MessageEntity.IsMessageRowKey(row.RowKey))
            {
                message = StatusEntityMapper.ToMessage(row);
            }
            else if (row.RowKey.StartsWith(RecipientEntity.RowKeyPrefix, StringComparison.Ordinal))
            {
                recipients.Add(StatusEntityMapper.ToRecipient(row));
            }
            else if (EventIntentEntity.IsIntentRowKey(row.RowKey))
            {
                intents.Add(new EventIntentEntity
                {
                    PartitionKey = row.PartitionKey,
                    RowKey = row.RowKey,
                    ETag = row.ETag,
                    CreatedAt = row.GetDateTimeOffset(nameof(EventIntentEntity.CreatedAt)) ?? default,
                    Events = row.GetBinary(nameof(EventIntentEntity.Events)) ?? [],
                });
            }
        }

        return (message, recipients, intents);
    }

    /// <summary>The status API's view of a message, or null when there is no such (committed) message.</summary>
    public Task<MessageStatusView?> GetViewAsync(string id, CancellationToken cancellationToken) => GetViewAsync(null, id, cancellationToken);

    /// <summary>
    /// The view of a message of <paramref name="tenantId"/>: null when there is no such message or another tenant's
    /// (the caller cannot tell the two apart). A null tenant reads any message (operators, tests).
    /// </summary>
    public async Task<MessageStatusView?> GetViewAsync(string? tenantId, string id, CancellationToken cancellationToken)
    {
        var (message, recipients) = await GetAsync(id, cancellationToken);
        if (message is null || (tenantId is not null && message.OwnerTenantId() != tenantId))
        {
            return null;
        }

        return new MessageStatusView
        {
            Id = id,
            Status = MessageStatus.Derive(recipients.Select(r => r.Status).ToList()),
            SubmittedAt = message.SubmittedAt,
            MessageIdHeader = message.HeaderMessageId,
            Sender = message.Sender.Length == 0 ? null : message.Sender,
            Size = message.Size,
            Dkim = message.Dkim,
            Recipients = recipients.Select(r => new RecipientStatusView
            {
                Address = r.Address,
                Status = r.Status,
                Attempts = r.Attempts,
                LastResponse = r.LastResponse,
                LastReplyCode = r.LastReplyCode,
                LastEnhancedCode = r.LastEnhancedCode,
                MxHost = r.MxHost,
                Tls = r.Tls,
                TlsDetails = r.TlsDetails,
                NextAttemptAt = r.NextAttemptAt,
                DeliveredAt = r.DeliveredAt,
                UpdatedAt = r.UpdatedAt,
            }).ToList(),
        };
    }

    /// <summary>Reads recipient rows of one message by address (a point read each, in parallel).</summary>
    /// <param name="id">The message id.</param>
    /// <param name="addresses">The recipients to read.</param>
    /// <param name="legacyRowKeys">Whether the message was committed before RowKeys carried its id (a job of version 1 says so).</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    public async Task<IReadOnlyList<RecipientEntity>> GetRecipientsAsync(
        string id, IEnumerable<string> addresses, bool legacyRowKeys, CancellationToken cancellationToken)
    {
        var table = TableFor(id);
        var reads = addresses.Select(a => table.GetEntityIfExistsAsync<RecipientEntity>(
            id, legacyRowKeys ? RecipientEntity.LegacyRowKeyFor(a) : RecipientEntity.RowKeyFor(id, a), cancellationToken: cancellationToken));
        var results = await Task.WhenAll(reads);
        return results.Where(r => r.HasValue).Select(r => r.Value!).ToList();
    }

    /// <summary>Reads a recipient row again, by its own keys; null if it is gone.</summary>
    public async Task<RecipientEntity?> GetRecipientAsync(RecipientEntity row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        var response = await TableFor(row.PartitionKey).GetEntityIfExistsAsync<RecipientEntity>(row.PartitionKey, row.RowKey, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>
    /// Replaces several recipient rows of one message in one table transaction, each only if nobody changed it since it
    /// was read (its <see cref="RecipientEntity.ETag"/>), and stores the new ETags on the entities. All or none: a
    /// changed row fails the whole transaction with a <see cref="TableTransactionFailedException"/> of status 412.
    /// </summary>
    public Task UpdateRecipientsAsync(IReadOnlyList<RecipientEntity> recipients, CancellationToken cancellationToken) =>
        UpdateRecipientsAsync(recipients, null, cancellationToken);

    /// <summary>
    /// As <see cref="UpdateRecipientsAsync(IReadOnlyList{RecipientEntity}, CancellationToken)"/>, with the event intent of the
    /// change written in the same transaction (an entity group: the intent exists exactly when the change does). Still one
    /// request; the intent is at most the 100th entity (a message has at most 99 recipients).
    /// </summary>
    public async Task UpdateRecipientsAsync(IReadOnlyList<RecipientEntity> recipients, EventIntentEntity? intent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        if (recipients.Count + (intent is null ? 0 : 1) > MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(recipients), "At most 100 rows fit in one table transaction.");
        }

        if (recipients.Count == 1 && intent is null)
        {
            recipients[0].ETag = await UpdateOneAsync(recipients[0], cancellationToken);
            return;
        }

        var actions = recipients.Select(r => new TableTransactionAction(TableTransactionActionType.UpdateReplace, r.ToRow(), r.ETag)).ToList();
        if (intent is not null)
        {
            // An upsert: a transaction applied although its answer was lost, and tried again, finds its own intent there.
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, intent));
        }

        var response = await TableFor(recipients.Count > 0 ? recipients[0].PartitionKey : intent!.PartitionKey).SubmitTransactionAsync(actions, cancellationToken);
        for (var i = 0; i < recipients.Count; i++)
        {
            recipients[i].ETag = response.Value[i].Headers.ETag ?? default;
        }
    }

    /// <summary>
    /// One row needs no entity group: a conditional replace is the same atomic change, and Azurite serves it at about
    /// four fifths of the cost of a one-entity <c>$batch</c> (no multipart body to build or parse). A lost race must still
    /// look like the transaction's, so callers keep one catch for one row or many.
    /// </summary>
    private async Task<ETag> UpdateOneAsync(RecipientEntity recipient, CancellationToken cancellationToken)
    {
        try
        {
            return await UpdateRecipientAsync(recipient, recipient.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 409 or 412)
        {
            throw new TableTransactionFailedException(ex);
        }
    }

    /// <summary>
    /// Deletes a message's whole status partition (its message row, which is the idempotency record, and its recipient
    /// rows): one query for the keys, one transaction per 100 rows. What the sweeper does once a finished message's
    /// retention (<c>Storage:Retention</c>) has run out.
    /// </summary>
    /// <returns>The number of rows deleted.</returns>
    public async Task<int> DeleteMessageAsync(string id, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {id}");
        var table = TableFor(id);
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            keys.Add(row.RowKey);
        }

        foreach (var chunk in keys.Chunk(MaxBatch))
        {
            var actions = chunk.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(id, k), ETag.All));
            try
            {
                await table.SubmitTransactionAsync(actions, cancellationToken);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 404)
            {
                // Another sweeper deleted them first.
            }
        }

        return keys.Count;
    }

    /// <summary>Replaces a recipient row; with an ETag, only if nobody changed it since it was read.</summary>
    public async Task<ETag> UpdateRecipientAsync(RecipientEntity recipient, ETag ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        return await UpdateRecipientAsync(recipient, ifMatch, null, cancellationToken);
    }

    /// <summary>
    /// Replaces a recipient row, with the event intent of the change beside it in one transaction (one request) when
    /// there is one. A changed row fails as a 412 either way (a <see cref="TableTransactionFailedException"/> is a
    /// <see cref="RequestFailedException"/>).
    /// </summary>
    public async Task<ETag> UpdateRecipientAsync(RecipientEntity recipient, ETag ifMatch, EventIntentEntity? intent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        if (intent is not null)
        {
            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.UpdateReplace, recipient.ToRow(), ifMatch),
                new(TableTransactionActionType.UpsertReplace, intent),
            };
            var batch = await TableFor(recipient.PartitionKey).SubmitTransactionAsync(actions, cancellationToken);
            return batch.Value[0].Headers.ETag ?? default;
        }

        var response = await TableFor(recipient.PartitionKey).UpdateEntityAsync(recipient.ToRow(), ifMatch, TableUpdateMode.Replace, cancellationToken);
        return response.Headers.ETag ?? default;
    }
}
