using System.Globalization;

namespace SmtpFunctions.Benchmarks.Measurement;

/// <summary><c>--name value</c> options of a benchmark, with defaults.</summary>
public sealed class BenchmarkArguments(IReadOnlyList<string> args)
{
    /// <summary>An integer option.</summary>
    public int Number(string name, int fallback)
    {
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == "--" + name)
            {
                return int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            }
        }

        return fallback;
    }

    /// <summary>A text option, or <paramref name="fallback"/>.</summary>
    public string? Text(string name, string? fallback = null)
    {
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == "--" + name)
            {
                return args[i + 1];
            }
        }

        return fallback;
    }
}
