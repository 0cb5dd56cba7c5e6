using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace SmtpFunctions.Core.Events;

/// <summary>
/// Events not yet dispatched, written into the message's status partition in the same table transaction as the status
/// change they describe (one entity group: both or neither), and deleted by the dispatcher once it has handed them on.
/// </summary>
/// <remarks>
/// One row per write, whatever the number of recipients it changes, so the transaction stays within 100 entities: a
/// message's rows are at most 99 recipients and this one. A row still there after <c>Events:IntentGrace</c> is one whose
/// queue message was lost (a crash between the write and the enqueue): the sweeper sends it again.
/// </remarks>
public sealed class EventIntentEntity : ITableEntity
{
    /// <summary>Prefix of intent RowKeys (the message's rows are <c>m:</c>, its recipients <c>r:</c>).</summary>
    public const string RowKeyPrefix = "e:";

    // A table property holds at most 64 KiB; one response text is cut to fit 99 recipients' events in one row.
    private const int MaxResponseChars = 480;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <inheritdoc />
    public string PartitionKey { get; set; } = "";

    /// <inheritdoc />
    public string RowKey { get; set; } = "";

    /// <inheritdoc />
    public DateTimeOffset? Timestamp { get; set; }

    /// <inheritdoc />
    public ETag ETag { get; set; }

    /// <summary>When the intent was written.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The events, as UTF-8 JSON (an array of <see cref="RecipientEvent"/>).</summary>
    public byte[] Events { get; set; } = [];

    /// <summary>An intent for the events of one write to <paramref name="messageId"/>'s status partition.</summary>
    public static EventIntentEntity For(string messageId, IReadOnlyList<RecipientEvent> events, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(events);
        var trimmed = events.Select(e => e.Response is { Length: > MaxResponseChars } text ? e with { Response = text[..MaxResponseChars] } : e).ToList();
        return new EventIntentEntity
        {
            PartitionKey = messageId,
            RowKey = RowKeyPrefix + messageId + ":" + Guid.NewGuid().ToString("N"),
            CreatedAt = now,
            Events = JsonSerializer.SerializeToUtf8Bytes(trimmed, Json),
        };
    }

    /// <summary>The events this intent holds.</summary>
    public IReadOnlyList<RecipientEvent> ReadEvents() => JsonSerializer.Deserialize<List<RecipientEvent>>(Events, Json) ?? [];

    /// <summary>Whether a RowKey of a status partition is an intent's.</summary>
    public static bool IsIntentRowKey(string rowKey) => rowKey.StartsWith(RowKeyPrefix, StringComparison.Ordinal);
}
