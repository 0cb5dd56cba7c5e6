using Azure.Core;
using Azure.Core.Pipeline;

namespace SmtpFunctions.Core.IntegrationTests.Infrastructure;

/// <summary>
/// Holds the first storage request whose path contains <paramref name="pathPart"/> until the test releases it, so that a
/// test can make other work pile up behind one request in flight — on events, not on a clock.
/// </summary>
public sealed class HeldRequestPolicy(string pathPart) : HttpPipelinePolicy
{
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _taken = 1;

    /// <summary>Completes when the request is being held.</summary>
    public Task Held => _held.Task;

    /// <summary>Holds the next matching request (none is held before).</summary>
    public void Arm() => Interlocked.Exchange(ref _taken, 0);

    /// <summary>Lets the held request (and every later one) go on.</summary>
    public void Release() => _release.TrySetResult();

    /// <inheritdoc />
    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (message.Request.Uri.Path.Contains(pathPart, StringComparison.Ordinal) && Interlocked.Exchange(ref _taken, 1) == 0)
        {
            _held.TrySetResult();
            await _release.Task.WaitAsync(message.CancellationToken);
        }

        await ProcessNextAsync(message, pipeline);
    }

    /// <inheritdoc />
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (message.Request.Uri.Path.Contains(pathPart, StringComparison.Ordinal) && Interlocked.Exchange(ref _taken, 1) == 0)
        {
            _held.TrySetResult();
            _release.Task.Wait(message.CancellationToken);
        }

        ProcessNext(message, pipeline);
    }
}
