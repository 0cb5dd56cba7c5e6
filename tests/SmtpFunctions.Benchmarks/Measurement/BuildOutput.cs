using System.Reflection;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Benchmarks.Measurement;

/// <summary>Where the projects this benchmark runs as processes were built (same configuration as the benchmark).</summary>
public static class BuildOutput
{
    /// <summary>Debug or Release.</summary>
    public static string Configuration { get; } =
        typeof(BuildOutput).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;

    /// <summary>Path of a project's main assembly under functions/.</summary>
    public static string Assembly(string project) =>
        RepositoryPaths.Combine("functions", project, "bin", Configuration, "net10.0", project + ".dll");
}
