using System.Globalization;

namespace SmtpFunctions.Benchmarks.Delivery;

/// <summary>Command-line settings of the <c>deliver</c> benchmark.</summary>
internal sealed record DeliverBenchmarkSettings
{
    /// <summary>Messages delivered by each side (<c>--messages</c>). Default 10,000.</summary>
    public int Messages { get; init; } = 10_000;

    /// <summary>Queue messages taken per receive, as host.json's <c>batchSize</c> (<c>--batch</c>). Default 16.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Submitted but not yet handled jobs allowed at once, so Azurite's queue stays shallow (<c>--backlog</c>). Default 64.</summary>
    public int Backlog { get; init; } = 64;

    /// <summary>Concurrent submitters, and smtp-source sessions on Postfix's side (<c>--sessions</c>). Default 8.</summary>
    public int Sessions { get; init; } = 8;

    /// <summary>Approximate message size in octets (<c>--size</c>). Default 2,048.</summary>
    public int Size { get; init; } = 2048;

    /// <summary>Messages per warm-up round, repeated until the background JIT is quiet (<c>--warmup</c>). Default 500.</summary>
    public int Warmup { get; init; } = 500;

    /// <summary>Skip the Postfix side (<c>--no-postfix</c>).</summary>
    public bool SkipPostfix { get; init; }

    /// <summary>Also time submission alone (no delivery), to split our CPU between the two halves (<c>--split</c>).</summary>
    public bool Split { get; init; }

    /// <summary>
    /// The longest each side's run may take (<c>--time-limit</c> minutes): then it ends and reports what is not final.
    /// Default 2 minutes plus one second per 20 messages, ten times what either side needs on a slow 2-core machine.
    /// </summary>
    public TimeSpan TimeLimit => _timeLimit ?? TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(Messages / 20.0);

    private TimeSpan? _timeLimit;

    /// <summary>Messages for the Azurite ceiling measurement (<c>--ceiling</c>). Default min(messages, 3,000).</summary>
    public int? CeilingMessages { get; init; }

    /// <summary>
    /// Azurite as one process per service (<c>--azurite per-service</c>, the default, as <c>run-local.sh</c> runs it) or
    /// one for all three (<c>--azurite single</c>); what each measured is on <see cref="Measurement.BenchmarkArguments.AzuritePerService"/>.
    /// </summary>
    public bool AzuritePerService { get; init; } = true;

    /// <summary>Also run the events variant: events on, one webhook subscription, its receiver, and the dispatcher.</summary>
    public bool Events { get; init; }

    public static DeliverBenchmarkSettings Parse(IReadOnlyList<string> args)
    {
        var settings = new DeliverBenchmarkSettings();
        for (var i = 0; i < args.Count; i++)
        {
            int Next() => int.Parse(args[++i], CultureInfo.InvariantCulture);
            settings = args[i] switch
            {
                "--messages" or "-n" => settings with { Messages = Next() },
                "--batch" => settings with { BatchSize = Next() },
                "--backlog" => settings with { Backlog = Next() },
                "--sessions" => settings with { Sessions = Next() },
                "--size" => settings with { Size = Next() },
                "--ceiling" => settings with { CeilingMessages = Next() },
                "--warmup" => settings with { Warmup = Next() },
                "--time-limit" => settings with { _timeLimit = TimeSpan.FromMinutes(Next()) },
                "--no-postfix" => settings with { SkipPostfix = true },
                "--split" => settings with { Split = true },
                "--events" => settings with { Events = true },
                "--azurite" => settings with { AzuritePerService = Measurement.BenchmarkArguments.IsAzuritePerService(args[++i]) },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'. Options: --messages N --batch N --backlog N --sessions N --size N --ceiling N --warmup N --time-limit MINUTES --no-postfix --split --events --azurite per-service|single"),
            };
        }

        return settings;
    }
}
