namespace SmtpFunctions.LocalHost.Commands;

/// <summary>
/// The arguments of the host's commands (<c>keys</c>, <c>suppressions</c>): <c>--name value</c> pairs and bare
/// <c>--flag</c>s; settings for the configuration (<c>--Section:Key=value</c>) are left to it.
/// </summary>
public static class CommandArguments
{
    /// <summary>Parses <paramref name="args"/>; false with the problem for an unknown argument or a missing value.</summary>
    public static bool TryParse(
        string[] args, IReadOnlyCollection<string> options, IReadOnlyCollection<string> flags,
        out Dictionary<string, string> values, out HashSet<string> set, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(args);
        values = new Dictionary<string, string>(StringComparer.Ordinal);
        set = new HashSet<string>(StringComparer.Ordinal);
        problem = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.Contains('=', StringComparison.Ordinal))
            {
                continue;
            }

            var name = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : null;
            if (name is not null && flags.Contains(name))
            {
                set.Add(name);
                continue;
            }

            if (name is null || !options.Contains(name))
            {
                problem = $"unknown argument '{arg}'";
                return false;
            }

            if (i + 1 >= args.Length)
            {
                problem = $"{arg} needs a value";
                return false;
            }

            values[name] = args[++i];
        }

        return true;
    }
}
