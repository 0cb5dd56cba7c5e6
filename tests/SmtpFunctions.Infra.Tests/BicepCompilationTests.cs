using SmtpFunctions.Infra.Tests.Bicep;

namespace SmtpFunctions.Infra.Tests;

/// <summary><c>bicep build</c> and <c>bicep lint</c> over <c>infra/</c>: no warning, no error, offline.</summary>
public sealed class BicepCompilationTests
{
    public static TheoryData<string> BicepFiles()
    {
        var files = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(InfraFixture.InfraDirectory, "*.bicep", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            files.Add(Path.GetRelativePath(InfraFixture.InfraDirectory, file));
        }

        return files;
    }

    [Fact]
    public async Task Build_MainBicep_ReportsNothing()
    {
        var template = Path.Combine(Path.GetTempPath(), $"main-{Guid.NewGuid():N}.json");
        try
        {
            var (exitCode, output) = await BicepCli.RunAsync("build", Path.Combine(InfraFixture.InfraDirectory, "main.bicep"), "--outfile", template);

            Assert.True(exitCode == 0 && string.IsNullOrWhiteSpace(output), $"bicep build exited {exitCode}:\n{output}");
            Assert.Contains("\"$schema\"", await File.ReadAllTextAsync(template), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(template);
        }
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task Lint_ReportsNothing(string file)
    {
        var (exitCode, output) = await BicepCli.RunAsync("lint", Path.Combine(InfraFixture.InfraDirectory, file));

        Assert.True(exitCode == 0 && string.IsNullOrWhiteSpace(output), $"bicep lint {file} exited {exitCode}:\n{output}");
    }

    [Fact]
    public void Modules_AreOurOwn_NotRegistryModules()
    {
        // Registry modules (br/public:...) cannot be restored offline.
        foreach (var file in Directory.GetFiles(InfraFixture.InfraDirectory, "*.bicep", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain("'br:", File.ReadAllText(file), StringComparison.Ordinal);
            Assert.DoesNotContain("'br/", File.ReadAllText(file), StringComparison.Ordinal);
            Assert.DoesNotContain("'ts:", File.ReadAllText(file), StringComparison.Ordinal);
        }
    }
}
