using System.Diagnostics.CodeAnalysis;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.LocalHost.Queues;

/// <summary>Turns a queue message's stored text into the body the trigger hands the function, per host.json's <c>messageEncoding</c>.</summary>
/// <remarks>
/// The listener receives raw text and decodes here, one message at a time, because the storage SDK's own Base64
/// decoding throws for the whole receive when one message of the batch is not Base64, leaving every message of the
/// batch leased and the bad one in place to fail the next receive again.
/// </remarks>
internal static class QueueMessageBody
{
    /// <summary>False when the text is not valid in <paramref name="encoding"/> (a message for the poison queue).</summary>
    public static bool TryDecode(QueueMessage message, QueueMessageEncoding encoding, [NotNullWhen(true)] out BinaryData? body)
    {
        var text = message.MessageText ?? string.Empty;
        if (encoding == QueueMessageEncoding.None)
        {
            body = BinaryData.FromString(text);
            return true;
        }

        return QueueJson.TryFromBase64(text, out body);
    }
}
