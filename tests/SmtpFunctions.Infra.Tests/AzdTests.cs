using System.Text.Json.Nodes;
using SmtpFunctions.Infra.Tests.Bicep;
using SmtpFunctions.Testing.Processes;
using YamlDotNet.RepresentationModel;

namespace SmtpFunctions.Infra.Tests;

/// <summary><c>azure.yaml</c> and the parameters file: what <c>azd up</c> deploys where, with nothing secret committed.</summary>
[Collection(InfraCollection.Name)]
public sealed class AzdTests(InfraFixture infra)
{
    private static readonly YamlMappingNode Project = Load();

    [Fact]
    public void AzureYaml_ProvisionsFromInfra_WithBicep()
    {
        var infraNode = (YamlMappingNode)Project["infra"];
        Assert.Equal("bicep", Scalar(infraNode, "provider"));
        Assert.Equal("infra", Scalar(infraNode, "path").TrimStart('.', '/'));
        Assert.Equal("main", Scalar(infraNode, "module"));
    }

    [Fact]
    public void AzureYaml_DeploysTheFunctionApp_AndTheIngressContainer()
    {
        var services = (YamlMappingNode)Project["services"];
        var functions = (YamlMappingNode)services["functions"];
        var ingress = (YamlMappingNode)services["ingress"];

        Assert.Equal(2, services.Children.Count);
        Assert.Equal("functions/SmtpFunctions.FunctionApp", Scalar(functions, "project").TrimStart('.', '/'));
        Assert.Equal("function", Scalar(functions, "host"));
        Assert.Equal("dotnet", Scalar(functions, "language"));
        Assert.Equal("functions/SmtpFunctions.Ingress", Scalar(ingress, "project").TrimStart('.', '/'));
        Assert.Equal("containerapp", Scalar(ingress, "host"));
        var docker = (YamlMappingNode)ingress["docker"];
        Assert.Equal("Dockerfile", Scalar(docker, "path").TrimStart('.', '/'));
        // Built in the registry: azd up must work on a machine without a Docker daemon.
        Assert.Equal("true", Scalar(docker, "remoteBuild"));
        // The image builds Core and the props files too, so the build context is the repository root.
        Assert.Equal(RepositoryPaths.Root, Path.GetFullPath(Path.Combine(RepositoryPaths.Root, Scalar(ingress, "project"), Scalar(docker, "context"))));
    }

    [Fact]
    public void EveryService_HasOneResourceTaggedWithItsName()
    {
        var services = ((YamlMappingNode)Project["services"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToList();
        var tagged = infra.Defaults.Resources
            .Select(r => (string?)r["tags"]?["azd-service-name"])
            .Where(t => t is not null)
            .ToList();

        Assert.Equal(services.Order(), tagged.Order()!);
        Assert.Equal("functions", (string?)infra.Defaults.One("Microsoft.Web/sites")["tags"]!["azd-service-name"]);
        Assert.Equal("ingress", (string?)infra.Defaults.One("Microsoft.App/containerApps")["tags"]!["azd-service-name"]);
    }

    [Fact]
    public void Template_OutputsWhatAzdNeeds()
    {
        var outputs = infra.Template["outputs"]!.AsObject();
        Assert.Contains("AZURE_CONTAINER_REGISTRY_ENDPOINT", outputs.Select(o => o.Key));
        Assert.Contains("AZURE_LOCATION", outputs.Select(o => o.Key));
        Assert.Contains("AZURE_TENANT_ID", outputs.Select(o => o.Key));
    }

    [Fact]
    public void ParametersFile_OnlyFillsInFromTheEnvironment_AndCarriesNoSecret()
    {
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(InfraFixture.InfraDirectory, "main.parameters.json")))!["parameters"]!.AsObject();
        var declared = infra.Template["parameters"]!.AsObject();

        foreach (var (name, entry) in parameters)
        {
            Assert.Matches(@"^\$\{[A-Z_]+(=[^}]*)?\}$", (string)entry!["value"]!);
            Assert.DoesNotContain("secure", (string)declared[name]!["type"]!, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotMatch("(?i)password|secret|key$", name);
        }
    }

    private static YamlMappingNode Load()
    {
        using var reader = new StreamReader(RepositoryPaths.Combine("azure.yaml"));
        var yaml = new YamlStream();
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;
}
