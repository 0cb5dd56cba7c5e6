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

    /// <summary>
    /// <c>--azurite single</c> (the default: one process for all three services, as <c>azurite</c> runs) or
    /// <c>--azurite per-service</c> (a process, and a Node event loop, per service, as Azure's services are apart). Which is
    /// faster on 2 cores depends on the hour: in a slow one the split was slower (deliver 110 against 126 msg/s; its three
    /// processes spent 12.8 CPU-ms per message against one's 8.4, on full cores), in a fast one faster in three
    /// alternating pairs (174–204 against 148–168 msg/s), so the default stays the one the local host runs.
    /// </summary>
    public bool AzuritePerService() => IsAzuritePerService(Text("azurite", "single")!);

    /// <summary>The value of <c>--azurite</c>: true for <c>per-service</c>, false for <c>single</c>.</summary>
    public static bool IsAzuritePerService(string value) => value switch
    {
        "per-service" => true,
        "single" => false,
        var other => throw new ArgumentException($"--azurite takes per-service or single, not '{other}'."),
    };
}
