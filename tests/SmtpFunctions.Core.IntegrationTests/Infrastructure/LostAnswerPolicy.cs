using Azure.Core;
using Azure.Core.Pipeline;

namespace SmtpFunctions.Core.IntegrationTests.Infrastructure;

/// <summary>
/// Loses storage's answer to table transactions, as a timeout or a dropped connection does: either after Azurite has
/// applied the transaction (the answer never arrives) or before it is sent. Optionally storage then stays away for reads
/// too. Disarmed, it passes everything.
/// </summary>
public sealed class LostAnswerPolicy : HttpPipelinePolicy
{
    private volatile bool _armed;
    private volatile bool _lostOne;

    /// <summary>Whether the transaction reaches storage before its answer is lost.</summary>
    public bool AfterSending { get; init; } = true;

    /// <summary>Whether reads fail too once a transaction's answer was lost (storage gone, not just one answer).</summary>
    public bool ReadsFailAfterward { get; init; }

    /// <summary>How many transactions reached storage and lost their answer.</summary>
    public int TransactionsApplied { get; private set; }

    /// <summary>Starts losing answers.</summary>
    public void Arm() => _armed = true;

    /// <summary>Lets everything through again.</summary>
    public void Disarm() => _armed = false;

    /// <inheritdoc />
    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (Intercept(message) && AfterSending)
        {
            await ProcessNextAsync(message, pipeline);
            TransactionsApplied++;
        }

        ThrowIfIntercepted(message);
        await ProcessNextAsync(message, pipeline);
    }

    /// <inheritdoc />
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (Intercept(message) && AfterSending)
        {
            ProcessNext(message, pipeline);
            TransactionsApplied++;
        }

        ThrowIfIntercepted(message);
        ProcessNext(message, pipeline);
    }

    private bool Intercept(HttpMessage message) =>
        _armed && message.Request.Method == RequestMethod.Post && message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal);

    private void ThrowIfIntercepted(HttpMessage message)
    {
        if (Intercept(message))
        {
            _lostOne = true;
            throw new IOException("The answer to the table transaction was lost (test).");
        }

        if (_armed && _lostOne && ReadsFailAfterward && message.Request.Method == RequestMethod.Get)
        {
            throw new IOException("Storage is away (test).");
        }
    }
}
