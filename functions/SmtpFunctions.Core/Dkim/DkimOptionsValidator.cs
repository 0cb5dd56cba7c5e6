using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Dkim;

/// <summary>Fails the host at start when a DKIM key cannot be loaded or is configured twice, naming the setting at fault.</summary>
public sealed class DkimOptionsValidator : IValidateOptions<DkimOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DkimOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var path = $"{DkimOptions.SectionName}:Keys:{i}";
            if (!DkimKeyLoader.TryLoad(options.Keys[i], path, out var key, out var keyProblems))
            {
                problems.AddRange(keyProblems);
            }
            else if (!seen.Add(DkimNames.RecordName(key!.Selector, key.Domain)))
            {
                problems.Add($"{path}: selector '{key.Selector}' of '{key.Domain}' is configured twice");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
