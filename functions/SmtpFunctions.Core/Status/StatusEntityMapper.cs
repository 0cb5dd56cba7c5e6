using Azure.Data.Tables;

namespace SmtpFunctions.Core.Status;

/// <summary>Maps rows of a mixed partition query to the typed entities (the SDK only types whole queries).</summary>
internal static class StatusEntityMapper
{
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
