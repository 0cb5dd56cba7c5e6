using SmtpFunctions.Infra.Tests.Bicep;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Infra.Tests;

/// <summary>docs/deploy.md (the README's "Deploy to Azure") covers every parameter and what a sending domain needs.</summary>
[Collection(InfraCollection.Name)]
public sealed class DeployDocsTests(InfraFixture infra)
{
    private static readonly string Doc = File.ReadAllText(RepositoryPaths.Combine("docs", "deploy.md"));

    [Fact]
    public void EveryParameter_OfMainBicep_IsDocumented()
    {
        var missing = infra.Template["parameters"]!.AsObject().Select(p => p.Key).Where(p => !Doc.Contains($"`{p}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "docs/deploy.md does not describe: " + string.Join(", ", missing));
    }

    [Theory]
    [InlineData("azd up")]
    [InlineData("az deployment sub create")]
    [InlineData("port 25")]
    [InlineData("v=spf1")]
    [InlineData("v=DKIM1")]
    [InlineData("v=DMARC1")]
    [InlineData("_domainkey")]
    [InlineData("_dmarc")]
    public void Doc_Covers(string text)
    {
        Assert.Contains(text, Doc, StringComparison.Ordinal);
    }
}
