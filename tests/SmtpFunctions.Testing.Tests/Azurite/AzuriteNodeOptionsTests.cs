using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Testing.Tests.Azurite;

// The young generation Azurite is given is one setting in two places: AzuriteProcess (tests, benchmarks) and
// functions/run-local.sh (the local system). Both must give the same, or the benchmarks measure another Azurite.
public sealed class AzuriteNodeOptionsTests
{
    private static readonly string Option = $"--max-semi-space-size={AzuriteProcess.SemiSpaceMegabytes}";

    [Fact]
    public async Task EveryAzuriteNode_RunsWithTheSemiSpaceSize()
    {
        await using var azurite = await AzuriteProcess.StartAsync(inMemory: true, processPerService: true);

        Assert.Equal(3, azurite.ProcessIds.Count);
        Assert.All(azurite.ProcessIds, pid =>
        {
            var nodeOptions = File.ReadAllText($"/proc/{pid}/environ").Split('\0')
                .Single(v => v.StartsWith("NODE_OPTIONS=", StringComparison.Ordinal))["NODE_OPTIONS=".Length..];
            Assert.Contains(Option, nodeOptions.Split(' '));
        });
    }

    [Fact]
    public void RunLocal_GivesAzuriteTheSameSemiSpaceSize()
    {
        var script = File.ReadAllText(RepositoryPaths.Combine("functions", "run-local.sh"));

        Assert.Contains(Option, script, StringComparison.Ordinal);
    }
}
