namespace SmtpFunctions.Core.Storage;

/// <summary>
/// The JSON of a queue message body. Jobs and events go on their queues as JSON text (host.json's
/// <c>messageEncoding</c> is <c>none</c>); those a version before that left on a queue — still there after an upgrade,
/// redriven from a poison queue, or re-sent by a sweep of the old version — are the same JSON in Base64. Base64's
/// alphabet has no <c>{</c>, so the first character tells the two apart.
/// </summary>
public static class QueueJson
{
    /// <summary>
    /// The body itself when it is JSON text; the decoded bytes when it is Base64; otherwise the body unchanged, for the
    /// JSON reader to refuse (a message for the poison queue).
    /// </summary>
    public static BinaryData Unwrap(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var bytes = body.ToMemory().Span;
        var start = 0;
        while (start < bytes.Length && bytes[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            start++;
        }

        if (start == bytes.Length || bytes[start] == (byte)'{')
        {
            return body;
        }

        return TryFromBase64(body.ToString(), out var decoded) ? decoded : body;
    }

    /// <summary>The octets of Base64 <paramref name="text"/>; false when it is not Base64.</summary>
    public static bool TryFromBase64(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out BinaryData? decoded)
    {
        ArgumentNullException.ThrowIfNull(text);
        var buffer = new byte[(text.Length / 4 + 1) * 3];
        decoded = Convert.TryFromBase64String(text, buffer, out var written) ? BinaryData.FromBytes(buffer.AsMemory(0, written)) : null;
        return decoded is not null;
    }
}
