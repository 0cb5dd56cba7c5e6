namespace SmtpFunctions.Benchmarks;

/// <summary>One benchmark scenario, run as <c>dotnet run --project tests/SmtpFunctions.Benchmarks -- NAME [options]</c>.</summary>
public interface IBenchmark
{
    /// <summary>Sub-command name (submit, deliver, ingress).</summary>
    string Name { get; }

    /// <summary>One line for the usage text.</summary>
    string Description { get; }

    /// <summary>Runs the scenario and prints its numbers; returns the process exit code.</summary>
    Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken);
}
