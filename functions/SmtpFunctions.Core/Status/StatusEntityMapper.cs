using Azure.Data.Tables;

namespace SmtpFunctions.Core.Status;

/// <summary>
/// Maps rows of a mixed partition query to the typed entities (the SDK only types whole queries), and recipient rows to
/// what is written.
/// </summary>
internal static class StatusEntityMapper
{
    /// <summary>
    /// A recipient row as written: only the properties that have a value. The SDK's typed path writes every property, and
    /// a fresh row's nine unset ones went out as <c>"LastResponse":null</c> and the like on every commit, claim and
    /// outcome. Neither Azure nor Azurite stores a null, so they only cost octets, and parsing on both sides.
    /// Every write of a recipient row replaces the whole row (insert, or replace by ETag), so an absent property reads back
    /// as null exactly as a null one did.
    /// </summary>
    public static TableEntity ToRow(RecipientEntity recipient)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        var row = new TableEntity(recipient.PartitionKey, recipient.RowKey)
        {
            [nameof(RecipientEntity.Address)] = recipient.Address,
            [nameof(RecipientEntity.Domain)] = recipient.Domain,
            [nameof(RecipientEntity.SubmissionToken)] = recipient.SubmissionToken,
            [nameof(RecipientEntity.Status)] = recipient.Status,
            [nameof(RecipientEntity.Attempts)] = recipient.Attempts,
            [nameof(RecipientEntity.UpdatedAt)] = recipient.UpdatedAt,
            [nameof(RecipientEntity.Round)] = recipient.Round,
            [nameof(RecipientEntity.DsnPending)] = recipient.DsnPending,
            [nameof(RecipientEntity.PoisonCount)] = recipient.PoisonCount,
            [nameof(RecipientEntity.EventSeq)] = recipient.EventSeq,
        };
        SetIfAny(row, nameof(RecipientEntity.LastResponse), recipient.LastResponse);
        SetIfAny(row, nameof(RecipientEntity.LastReplyCode), recipient.LastReplyCode);
        SetIfAny(row, nameof(RecipientEntity.LastEnhancedCode), recipient.LastEnhancedCode);
        SetIfAny(row, nameof(RecipientEntity.MxHost), recipient.MxHost);
        SetIfAny(row, nameof(RecipientEntity.Tls), recipient.Tls);
        SetIfAny(row, nameof(RecipientEntity.TlsDetails), recipient.TlsDetails);
        SetIfAny(row, nameof(RecipientEntity.DeliveredAt), recipient.DeliveredAt);
        SetIfAny(row, nameof(RecipientEntity.NextAttemptAt), recipient.NextAttemptAt);
        SetIfAny(row, nameof(RecipientEntity.LeaseOwner), recipient.LeaseOwner);
        SetIfAny(row, nameof(RecipientEntity.LeaseUntil), recipient.LeaseUntil);
        return row;
    }

    private static void SetIfAny(TableEntity row, string name, object? value)
    {
        if (value is not null)
        {
            row[name] = value;
        }
    }

    public static MessageEntity ToMessage(TableEntity row) => new()
    {
        PartitionKey = row.PartitionKey,
        RowKey = row.RowKey,
        Timestamp = row.Timestamp,
        ETag = row.ETag,
        SubmittedAt = row.GetDateTimeOffset(nameof(MessageEntity.SubmittedAt)) ?? default,
        Sender = row.GetString(nameof(MessageEntity.Sender)) ?? "",
        Source = row.GetString(nameof(MessageEntity.Source)) ?? "",
        Size = row.GetInt64(nameof(MessageEntity.Size)) ?? 0,
        BlobName = row.GetString(nameof(MessageEntity.BlobName)) ?? "",
        SubmissionToken = row.GetString(nameof(MessageEntity.SubmissionToken)) ?? "",
        BodyHash = row.GetString(nameof(MessageEntity.BodyHash)) ?? "",
        HeaderMessageId = row.GetString(nameof(MessageEntity.HeaderMessageId)) ?? "",
        RecipientCount = row.GetInt32(nameof(MessageEntity.RecipientCount)) ?? 0,
        RequiresSmtpUtf8 = row.GetBoolean(nameof(MessageEntity.RequiresSmtpUtf8)) ?? false,
        EightBit = row.GetBoolean(nameof(MessageEntity.EightBit)) ?? false,
        AcceptedRecipientsJson = row.GetString(nameof(MessageEntity.AcceptedRecipientsJson)) ?? "[]",
        Dkim = row.GetString(nameof(MessageEntity.Dkim)) ?? "unsigned",
        TenantId = row.GetString(nameof(MessageEntity.TenantId)) ?? "",
        MetadataJson = row.GetString(nameof(MessageEntity.MetadataJson)) ?? "",
        TagsJson = row.GetString(nameof(MessageEntity.TagsJson)) ?? "",
    };

    public static RecipientEntity ToRecipient(TableEntity row) => new()
    {
        PartitionKey = row.PartitionKey,
        RowKey = row.RowKey,
        Timestamp = row.Timestamp,
        ETag = row.ETag,
        Address = row.GetString(nameof(RecipientEntity.Address)) ?? "",
        Domain = row.GetString(nameof(RecipientEntity.Domain)) ?? "",
        SubmissionToken = row.GetString(nameof(RecipientEntity.SubmissionToken)) ?? "",
        Status = row.GetString(nameof(RecipientEntity.Status)) ?? RecipientStatus.Queued,
        Attempts = row.GetInt32(nameof(RecipientEntity.Attempts)) ?? 0,
        LastResponse = row.GetString(nameof(RecipientEntity.LastResponse)),
        LastReplyCode = row.GetInt32(nameof(RecipientEntity.LastReplyCode)),
        LastEnhancedCode = row.GetString(nameof(RecipientEntity.LastEnhancedCode)),
        MxHost = row.GetString(nameof(RecipientEntity.MxHost)),
        Tls = row.GetBoolean(nameof(RecipientEntity.Tls)),
        TlsDetails = row.GetString(nameof(RecipientEntity.TlsDetails)),
        UpdatedAt = row.GetDateTimeOffset(nameof(RecipientEntity.UpdatedAt)) ?? default,
        DeliveredAt = row.GetDateTimeOffset(nameof(RecipientEntity.DeliveredAt)),
        NextAttemptAt = row.GetDateTimeOffset(nameof(RecipientEntity.NextAttemptAt)),
        Round = row.GetInt32(nameof(RecipientEntity.Round)) ?? 0,
        LeaseOwner = row.GetString(nameof(RecipientEntity.LeaseOwner)),
        LeaseUntil = row.GetDateTimeOffset(nameof(RecipientEntity.LeaseUntil)),
        DsnPending = row.GetBoolean(nameof(RecipientEntity.DsnPending)) ?? false,
        PoisonCount = row.GetInt32(nameof(RecipientEntity.PoisonCount)) ?? 0,
        EventSeq = row.GetInt32(nameof(RecipientEntity.EventSeq)) ?? 0,
    };
}
