using Azure.Core;
using Azure.Core.Pipeline;

namespace SmtpFunctions.Core.IntegrationTests.Infrastructure;

/// <summary>
/// Storage away exactly when delivery records a peer's 250: the first <see cref="Failures"/> table writes that mark a
/// recipient delivered fail as a dropped connection does, before they reach Azurite. Everything else passes.
/// </summary>
public sealed class FailingOutcomeWritePolicy(int failures) : HttpPipelinePolicy
{
    private int _failed;

    /// <summary>Writes failed so far.</summary>
    public int Failed => Volatile.Read(ref _failed);

    /// <inheritdoc />
    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ThrowIfOutcomeWrite(message);
        await ProcessNextAsync(message, pipeline);
    }

    /// <inheritdoc />
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ThrowIfOutcomeWrite(message);
        ProcessNext(message, pipeline);
    }

    private void ThrowIfOutcomeWrite(HttpMessage message)
    {
        if (message.Request.Method == RequestMethod.Get || message.Request.Content is not { } content || !message.Request.Uri.Path.Contains("messages", StringComparison.Ordinal))
        {
            return;
        }

        using var body = new MemoryStream();
        content.WriteTo(body, CancellationToken.None);
        if (!System.Text.Encoding.UTF8.GetString(body.ToArray()).Contains("\"Status\":\"delivered\"", StringComparison.Ordinal))
        {
            return;
        }

        if (Interlocked.Increment(ref _failed) <= failures)
        {
            throw new IOException("Storage is away while the outcome is written (test).");
        }

        Interlocked.Decrement(ref _failed);
    }
}
