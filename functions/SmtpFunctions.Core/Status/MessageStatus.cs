namespace SmtpFunctions.Core.Status;

/// <summary>The message-level status, derived from its recipients each time it is read.</summary>
/// <remarks>Derived rather than stored so that concurrent jobs for different domains never contend on one row.</remarks>
public static class MessageStatus
{
    /// <summary>Nothing attempted yet.</summary>
    public const string Queued = "queued";

    /// <summary>At least one recipient is being delivered right now.</summary>
    public const string Delivering = "delivering";

    /// <summary>At least one recipient is waiting for a retry.</summary>
    public const string Deferred = "deferred";

    /// <summary>Every recipient was delivered.</summary>
    public const string Delivered = "delivered";

    /// <summary>Every recipient is final and some, not all, were delivered.</summary>
    public const string PartiallyDelivered = "partially_delivered";

    /// <summary>Every recipient is final and none was delivered.</summary>
    public const string Failed = "failed";

    /// <summary>All values, for documentation and tests.</summary>
    public static IReadOnlyList<string> All { get; } = [Queued, Delivering, Deferred, Delivered, PartiallyDelivered, Failed];

    /// <summary>Derives the message status from its recipients' statuses.</summary>
    public static string Derive(IReadOnlyCollection<string> recipientStatuses)
    {
        ArgumentNullException.ThrowIfNull(recipientStatuses);
        if (recipientStatuses.Count == 0)
        {
            return Queued;
        }

        if (recipientStatuses.All(RecipientStatus.IsFinal))
        {
            var delivered = recipientStatuses.Count(s => s == RecipientStatus.Delivered);
            return delivered == recipientStatuses.Count ? Delivered : delivered == 0 ? Failed : PartiallyDelivered;
        }

        if (recipientStatuses.Contains(RecipientStatus.Delivering))
        {
            return Delivering;
        }

        return recipientStatuses.Contains(RecipientStatus.Deferred) ? Deferred : Queued;
    }
}
