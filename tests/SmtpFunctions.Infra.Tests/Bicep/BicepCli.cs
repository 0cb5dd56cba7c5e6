using System.Reflection;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Infra.Tests.Bicep;

/// <summary>The Bicep CLI from the NuGet package the project downloads (runs offline).</summary>
internal static class BicepCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>Full path of the executable, made executable if the package extraction dropped the mode bit.</summary>
    public static string Path { get; } = Locate();

    /// <summary>Runs the CLI; returns its exit code and everything it wrote.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(params string[] arguments) =>
        ChildProcess.RunAsync(Path, arguments, Timeout);

    /// <summary>Compiles a Bicep file to an ARM template; fails the test on any diagnostic.</summary>
    public static async Task<string> BuildAsync(string bicepFile)
    {
        var output = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"bicep-{Guid.NewGuid():N}.json");
        try
        {
            var (exitCode, log) = await RunAsync("build", bicepFile, "--outfile", output);
            if (exitCode != 0 || log.Contains("Warning", StringComparison.Ordinal) || log.Contains("Error", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"bicep build {bicepFile} exited {exitCode}:\n{log}");
            }

            return await File.ReadAllTextAsync(output);
        }
        finally
        {
            File.Delete(output);
        }
    }

    private static string Locate()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The tests use Azure.Bicep.CommandLine.linux-x64; run them on Linux x64.");
        }

        var path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "BicepCli").Value
            ?? throw new InvalidOperationException("The test assembly does not say where the Bicep CLI is.");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                "The Bicep CLI is missing: restore tests/SmtpFunctions.Infra.Tests (it downloads Azure.Bicep.CommandLine.linux-x64).", path);
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return path;
    }
}
