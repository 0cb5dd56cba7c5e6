using System.Text.Json;

namespace SmtpFunctions.FunctionApp.Queues;

/// <summary>host.json's <c>extensions.queues.maxDequeueCount</c>: the attempt after which the host poisons a message.</summary>
public sealed class PoisonQueuePolicy(int maxDequeueCount)
{
    /// <summary>The queue extension's default when host.json names none.</summary>
    public const int DefaultMaxDequeueCount = 5;

    /// <summary>Attempts before the host moves a message to the poison queue.</summary>
    public int MaxDequeueCount { get; } = Math.Max(1, maxDequeueCount);

    /// <summary>True when a failure of this attempt sends the message to the poison queue.</summary>
    public bool IsLastAttempt(long dequeueCount) => dequeueCount >= MaxDequeueCount;

    /// <summary>Reads the host.json deployed beside the worker (the host reads the same file).</summary>
    public static PoisonQueuePolicy Load(string hostJsonPath)
    {
        if (!File.Exists(hostJsonPath))
        {
            return new PoisonQueuePolicy(DefaultMaxDequeueCount);
        }

        using var document = JsonDocument.Parse(File.ReadAllText(hostJsonPath),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return document.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("queues", out var queues)
            && queues.TryGetProperty("maxDequeueCount", out var count)
            && count.ValueKind == JsonValueKind.Number
            ? new PoisonQueuePolicy(count.GetInt32())
            : new PoisonQueuePolicy(DefaultMaxDequeueCount);
    }
}
