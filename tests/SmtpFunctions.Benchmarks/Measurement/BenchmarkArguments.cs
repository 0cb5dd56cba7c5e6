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
    /// <c>--azurite per-service</c> (the default unless <paramref name="fallback"/> says otherwise: a process, and a Node
    /// event loop, per service, as Azure's services are apart and as <c>functions/run-local.sh</c> runs them) or
    /// <c>--azurite single</c> (one process for all three, as <c>azurite</c> runs). On 2 cores the split gained nothing in
    /// a slow hour, on full cores (deliver 110 msg/s against 126 in the run beside it and 89-126 in that hour's others),
    /// and gained in fast ones: deliver 156-208 against 114-167 msg/s, submit p99 at 100/s 39-65 ms against 71-138
    /// (2026-12-07, alternating).
    /// </summary>
    public bool AzuritePerService(string fallback = "per-service") => IsAzuritePerService(Text("azurite", fallback)!);

    /// <summary>The value of <c>--azurite</c>: true for <c>per-service</c>, false for <c>single</c>.</summary>
    public static bool IsAzuritePerService(string value) => value switch
    {
        "per-service" => true,
        "single" => false,
        var other => throw new ArgumentException($"--azurite takes per-service or single, not '{other}'."),
    };
}
