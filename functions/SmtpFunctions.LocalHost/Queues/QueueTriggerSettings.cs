using System.Globalization;
using System.Text.Json;
using Azure.Storage.Queues;

namespace SmtpFunctions.LocalHost.Queues;

/// <summary>The queue trigger's settings from host.json (<c>extensions.queues</c>), with the Functions host's defaults.</summary>
/// <remarks>Semantics as documented for the Azure Functions queue trigger (host.json reference, "queues").</remarks>
public sealed record QueueTriggerSettings
{
    /// <summary>Messages fetched per poll (at most 32).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>A new batch is fetched when the messages in flight drop to this number.</summary>
    public int NewBatchThreshold { get; init; } = 8;

    /// <summary>Longest wait between polls of an empty queue.</summary>
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a failed message stays invisible before it is retried.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>Attempts before a message goes to the poison queue.</summary>
    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>How message text is decoded: <c>base64</c> (the default) or <c>none</c>.</summary>
    public QueueMessageEncoding MessageEncoding { get; init; } = QueueMessageEncoding.Base64;

    /// <summary>Reads host.json; a missing <c>extensions.queues</c> yields the defaults.</summary>
    public static QueueTriggerSettings Load(string hostJsonPath)
    {
        using var stream = File.OpenRead(hostJsonPath);
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("extensions", out var extensions) || !extensions.TryGetProperty("queues", out var queues))
        {
            return new QueueTriggerSettings();
        }

        var batchSize = Math.Clamp(Int(queues, "batchSize") ?? 16, 1, 32);
        return new QueueTriggerSettings
        {
            BatchSize = batchSize,
            NewBatchThreshold = Math.Max(0, Int(queues, "newBatchThreshold") ?? batchSize / 2),
            MaxPollingInterval = Time(queues, "maxPollingInterval") is { } poll && poll >= TimeSpan.FromMilliseconds(100) ? poll : TimeSpan.FromMinutes(1),
            VisibilityTimeout = Time(queues, "visibilityTimeout") ?? TimeSpan.Zero,
            MaxDequeueCount = Math.Max(1, Int(queues, "maxDequeueCount") ?? 5),
            MessageEncoding = Text(queues, "messageEncoding") is { } encoding && encoding.Equals("none", StringComparison.OrdinalIgnoreCase)
                ? QueueMessageEncoding.None
                : QueueMessageEncoding.Base64,
        };
    }

    private static int? Int(JsonElement element, string name) =>
        TryGet(element, name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;

    private static string? Text(JsonElement element, string name) =>
        TryGet(element, name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static TimeSpan? Time(JsonElement element, string name) =>
        TryGet(element, name, out var value) && value.ValueKind == JsonValueKind.String
            ? TimeSpan.Parse(value.GetString()!, CultureInfo.InvariantCulture)
            : null;

    private static bool TryGet(JsonElement element, string name, out JsonElement value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }
}
