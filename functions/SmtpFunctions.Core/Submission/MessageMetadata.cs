namespace SmtpFunctions.Core.Submission;

/// <summary>
/// The rules for a submission's <c>metadata</c>: a few string key/values the caller gets back in every event about the
/// message, bounded so that they fit the message row and each event comfortably.
/// </summary>
public static class MessageMetadata
{
    /// <summary>Most entries.</summary>
    public const int MaxEntries = 10;

    /// <summary>Longest key: letters, digits, <c>_ - .</c>.</summary>
    public const int MaxKeyLength = 40;

    /// <summary>Longest value, in characters.</summary>
    public const int MaxValueLength = 256;

    /// <summary>Adds a field error for each rule <paramref name="metadata"/> breaks.</summary>
    public static void Check(IReadOnlyDictionary<string, string>? metadata, List<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (metadata is null)
        {
            return;
        }

        if (metadata.Count > MaxEntries)
        {
            errors.Add(new FieldError("metadata", $"at most {MaxEntries} entries"));
            return;
        }

        foreach (var (key, value) in metadata)
        {
            if (key.Length is 0 or > MaxKeyLength || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                errors.Add(new FieldError("metadata", $"key '{Shorten(key)}' must be 1 to {MaxKeyLength} letters, digits, '_', '-' or '.'"));
            }
            else if (value is null || value.Length > MaxValueLength)
            {
                errors.Add(new FieldError($"metadata.{key}", $"must be a string of at most {MaxValueLength} characters"));
            }
        }
    }

    private static string Shorten(string key) => key.Length > MaxKeyLength ? key[..MaxKeyLength] + "…" : key;
}
