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

    /// <summary>Deserialises <paramref name="utf8Json"/> or returns the error to answer with.</summary>
    public static bool TryRead(ReadOnlySpan<byte> utf8Json, out JsonMessageRequest? request, out SubmissionError? error)
    {
        request = null;
        error = null;
        if (utf8Json.IsEmpty)
        {
            error = SubmissionError.Invalid("body", "the request body is empty; send a JSON object");
            return false;
        }

        try
        {
            request = JsonSerializer.Deserialize<JsonMessageRequest>(utf8Json, Options);
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
            var field = string.IsNullOrEmpty(path) ? unknown.Groups[1].Value : $"{path}.{unknown.Groups[1].Value}";
            return SubmissionError.Invalid(field, "unknown field");
        }

        var position = ex.LineNumber is { } line
            ? $" at line {line + 1}, byte {ex.BytePositionInLine + 1}"
            : "";
        var what = ex.InnerException is null && ex.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal)
            ? "has the wrong type"
            : "is not valid JSON";
        return SubmissionError.Invalid(string.IsNullOrEmpty(path) ? "body" : path, $"{what}{position}");
    }

    // "$.attachments[0].content" -> "attachments[0].content"
    private static string FieldFromPath(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    [GeneratedRegex("The JSON property '([^']*)' could not be mapped", RegexOptions.CultureInvariant)]
    private static partial Regex UnmappedProperty();
}
