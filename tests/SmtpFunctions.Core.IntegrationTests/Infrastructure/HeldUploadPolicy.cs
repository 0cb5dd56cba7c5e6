using Azure.Core;
using Azure.Core.Pipeline;

namespace SmtpFunctions.Core.IntegrationTests.Infrastructure;

/// <summary>
/// Makes a message's blob upload slow in the worst way for delivery: the upload (PUT of an <c>.eml</c> blob) waits until
/// some download of that blob has been answered 404, so delivery asks for the content before it exists — on events, not
/// on a clock. Disarmed, it passes everything.
/// </summary>
public sealed class HeldUploadPolicy : HttpPipelinePolicy
{
    private readonly TaskCompletionSource _missingSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _armed;

    /// <summary>Downloads of a message blob answered 404.</summary>
    public int MissingDownloads { get; private set; }

    /// <summary>Downloads of a message blob answered 200.</summary>
    public int Downloads { get; private set; }

    /// <summary>Uploads that were held.</summary>
    public int HeldUploads { get; private set; }

    /// <summary>Holds the next uploads.</summary>
    public void Arm() => _armed = true;

    /// <summary>Completes when an upload is being held.</summary>
    public Task UploadHeld => _held.Task;

    /// <summary>Lets held uploads go on without waiting for a 404.</summary>
    public void Release() => _missingSeen.TrySetResult();

    /// <inheritdoc />
    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (_armed && IsMessageBlob(message) && message.Request.Method == RequestMethod.Put)
        {
            HeldUploads++;
            _held.TrySetResult();
            await _missingSeen.Task.WaitAsync(message.CancellationToken);
        }

        await ProcessNextAsync(message, pipeline);
        Observe(message);
    }

    /// <inheritdoc />
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (_armed && IsMessageBlob(message) && message.Request.Method == RequestMethod.Put)
        {
            HeldUploads++;
            _held.TrySetResult();
            _missingSeen.Task.Wait(message.CancellationToken);
        }

        ProcessNext(message, pipeline);
        Observe(message);
    }

    private void Observe(HttpMessage message)
    {
        if (!IsMessageBlob(message) || message.Request.Method != RequestMethod.Get || !message.HasResponse)
        {
            return;
        }

        if (message.Response.Status == 404)
        {
            MissingDownloads++;
            _missingSeen.TrySetResult();
        }
        else if (message.Response.Status is 200 or 206)
        {
            Downloads++;
        }
    }

    private static bool IsMessageBlob(HttpMessage message) =>
        message.Request.Uri.Path.EndsWith(".eml", StringComparison.Ordinal);
}
