using System.Text.Json;
using System.Text.Json.Serialization;
using SmtpFunctions.Core.Buffers;

namespace SmtpFunctions.Core.Submission;

/// <summary>Reads an attachment's base64 <c>content</c> string by decoding its UTF-8 octets where they lie in the body.</summary>
public sealed class AttachmentContentConverter : JsonConverter<AttachmentContent>
{
    /// <inheritdoc />
    public override AttachmentContent? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("Expected a base64 string.");
        }

        var output = MessageBuffers.Rent("attachment");
        var decoder = new Base64StreamDecoder(output, reader.ValueIsEscaped);
        var ok = true;
        if (reader.HasValueSequence)
        {
            foreach (var segment in reader.ValueSequence)
            {
                ok = ok && decoder.Write(segment.Span);
            }
        }
        else
        {
            ok = decoder.Write(reader.ValueSpan);
        }

        ok = ok && decoder.Complete();
        if (!ok)
        {
            output.Dispose();
            return new AttachmentContent(null);
        }

        return new AttachmentContent(output);
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, AttachmentContent value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteBase64StringValue(value.ToArray());
    }
}
