namespace SmtpFunctions.Core.Submission;

/// <summary>
/// The rules for a submission's <c>tags</c>: a few short labels (a campaign, a template, a kind of mail) the caller gets
/// back in every event about the message, to group events without parsing metadata.
/// </summary>
public static class MessageTags
{
    /// <summary>Most tags.</summary>
    public const int MaxTags = 10;

    /// <summary>Longest tag: letters, digits, <c>_ - . :</c>.</summary>
    public const int MaxTagLength = 64;

    /// <summary>Adds a field error for each rule <paramref name="tags"/> breaks.</summary>
    public static void Check(IReadOnlyList<string>? tags, List<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (tags is null)
        {
            return;
        }

        if (tags.Count > MaxTags)
        {
            errors.Add(new FieldError("tags", $"at most {MaxTags} tags"));
            return;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < tags.Count; i++)
        {
            var tag = tags[i];
            if (tag is null || tag.Length is 0 or > MaxTagLength || !tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':'))
            {
                errors.Add(new FieldError($"tags[{i}]", $"must be 1 to {MaxTagLength} letters, digits, '_', '-', '.' or ':'"));
            }
            else if (!seen.Add(tag))
            {
                errors.Add(new FieldError($"tags[{i}]", $"'{tag}' is given twice (tags are compared without case)"));
            }
        }
    }
}
