using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace SmtpFunctions.Core.Submission;

/// <summary>Reads a JSON submission strictly: malformed JSON names its position, unknown fields are refused.</summary>
public static partial class JsonMessageReader
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 16,
    };

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 16,
    };

    /// <summary>Deserialises <paramref name="utf8Json"/> or returns the error to answer with.</summary>
    public static bool TryRead(ReadOnlyMemory<byte> utf8Json, out JsonMessageRequest? request, out SubmissionError? error) =>
        TryRead(new ReadOnlySequence<byte>(utf8Json), out request, out error);

    /// <summary>
    /// Deserialises <paramref name="utf8Json"/> where it lies (pooled blocks, no contiguous copy) or returns the error to
    /// answer with. Attachment contents are decoded into pooled buffers the caller disposes with the request.
    /// </summary>
    public static bool TryRead(ReadOnlySequence<byte> utf8Json, out JsonMessageRequest? request, out SubmissionError? error)
    {
        request = null;
        error = null;
        if (utf8Json.IsEmpty)
        {
            error = SubmissionError.Invalid("body", "the request body is empty; send a JSON object");
            return false;
        }

        if (SyntaxError(utf8Json) is { } syntax)
        {
            error = syntax;
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
            request = JsonSerializer.Deserialize<JsonMessageRequest>(ref reader, Options);
        }
        catch (JsonException ex)
        {
            error = Describe(ex);
            return false;
        }

        if (request is null)
        {
            error = SubmissionError.Invalid("body", "the body must be a JSON object, not null");
            return false;
        }

        return true;
    }

    private static SubmissionError Describe(JsonException ex)
    {
        var unknown = UnmappedProperty().Match(ex.Message);
        var path = FieldFromPath(ex.Path);
        if (unknown.Success)
        {
            var name = unknown.Groups[1].Value;
            var field = string.IsNullOrEmpty(path) ? name
                : path == name || path.EndsWith("." + name, StringComparison.Ordinal) ? path
                : $"{path}.{name}";
            return SubmissionError.Invalid(field, "unknown field");
        }

        var reason = ex.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal)
            ? "has the wrong type"
            : $"has the wrong type: {ex.Message.Split(" Path:", 2)[0]}";
        return SubmissionError.Invalid(string.IsNullOrEmpty(path) ? "body" : path, reason);
    }

    // A pass of the reader alone tells malformed JSON (answered with its position) from JSON of the wrong shape.
    private static SubmissionError? SyntaxError(ReadOnlySequence<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
        try
        {
            while (reader.Read())
            {
            }

            return null;
        }
        catch (JsonException ex)
        {
            var line = (ex.LineNumber ?? 0) + 1;
            var position = (ex.BytePositionInLine ?? 0) + 1;
            return SubmissionError.Invalid("body", $"is not valid JSON at line {line}, byte {position}: {ex.Message.Split(" LineNumber:", 2)[0]}");
        }
    }

    // "$.attachments[0].content" -> "attachments[0].content"
    private static string FieldFromPath(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    [GeneratedRegex("The JSON property '([^']*)' could not be mapped", RegexOptions.CultureInvariant)]
    private static partial Regex UnmappedProperty();
}
