using SmtpFunctions.Ingress.Memory;

namespace SmtpFunctions.Ingress.Network;

/// <summary>
/// One DATA phase as the wire received it: the verdict and, when it is clean, the message's octets. The message store
/// takes it once and disposes it after Core has the message, which gives the octets back to the memory budget.
/// </summary>
public sealed class ReceivedMessage(DataVerdict verdict, MessageBuffer? content) : IDisposable
{
    /// <summary>What the wire saw.</summary>
    public DataVerdict Verdict { get; } = verdict;

    /// <summary>The message's octets, dot-stuffing undone; null when the message was dropped while it arrived.</summary>
    public MessageBuffer? Content { get; } = content;

    /// <inheritdoc />
    public void Dispose() => Content?.Dispose();
}
