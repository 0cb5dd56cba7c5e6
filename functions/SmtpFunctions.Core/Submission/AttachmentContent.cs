using System.Text.Json.Serialization;
using Microsoft.IO;

namespace SmtpFunctions.Core.Submission;

/// <summary>
/// An attachment's bytes, decoded from the JSON string straight into pooled memory while the JSON is read: no UTF-16
/// string of the base64, no intermediate array.
/// </summary>
[JsonConverter(typeof(AttachmentContentConverter))]
public sealed class AttachmentContent : IDisposable
{
    private readonly RecyclableMemoryStream? _decoded;

    internal AttachmentContent(RecyclableMemoryStream? decoded) => _decoded = decoded;

    /// <summary>False when the string was not valid base64 (the rules then name the field).</summary>
    public bool IsValid => _decoded is not null;

    /// <summary>Decoded length in octets (0 when invalid).</summary>
    public long Length => _decoded?.Length ?? 0;

    /// <summary>The decoded bytes, as a stream positioned at the start (the same stream each time: read one at a time).</summary>
    internal Stream Stream
    {
        get
        {
            var stream = _decoded ?? throw new InvalidOperationException("The attachment content is not valid base64.");
            stream.Position = 0;
            return stream;
        }
    }

    /// <summary>The decoded bytes as an array (tests and small parts).</summary>
    public byte[] ToArray()
    {
        if (_decoded is not { } stream)
        {
            return [];
        }

        var copy = new byte[stream.Length];
        System.Buffers.BuffersExtensions.CopyTo(stream.GetReadOnlySequence(), copy);
        return copy;
    }

    /// <summary>Returns the memory to the pool.</summary>
    public void Dispose() => _decoded?.Dispose();
}
