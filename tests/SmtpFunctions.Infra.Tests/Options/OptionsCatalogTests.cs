namespace SmtpFunctions.Infra.Tests.Options;

/// <summary>The key discovery the drift checks rely on, on a shape with every kind of member an options class may have.</summary>
public sealed class OptionsCatalogTests
{
    [Fact]
    public void KeysOf_ListsScalarsNestedObjectsAndCollections_AsAppSettingKeys()
    {
        var keys = OptionsCatalog.KeysOf("Sample", typeof(SampleOptions)).ToDictionary(k => k.Key, k => k.IsCollection);

        Assert.Equal(
            new Dictionary<string, bool>
            {
                ["Sample__Name"] = false,
                ["Sample__Delay"] = false,
                ["Sample__Mode"] = false,
                ["Sample__Limit"] = false,
                ["Sample__renamed"] = false,
                ["Sample__Relay__Host"] = false,
                ["Sample__Relay__Port"] = false,
                ["Sample__Domains"] = true,
                ["Sample__Keys"] = true,
            },
            keys);
    }

    [Theory]
    [InlineData("Name", true)]
    [InlineData("relay__port", true)]
    [InlineData("Relay__Missing", false)]
    [InlineData("Relay", false)]
    [InlineData("Name__Extra", false)]
    [InlineData("Domains__example.com__RequireTls", true)]
    [InlineData("Domains__example.com__Nope", false)]
    [InlineData("Keys__0__Selector", true)]
    [InlineData("Keys__0", false)]
    [InlineData("Computed", false)]
    public void Resolves_FollowsPropertiesAndCollectionItems(string path, bool expected)
    {
        Assert.Equal(expected, OptionsCatalog.Resolves(typeof(SampleOptions), path.Split("__")));
    }

    [Fact]
    public void ValueAt_ReadsNestedValues()
    {
        var sample = new SampleOptions();
        sample.Relay.Port = 2525;

        Assert.Equal(2525, OptionsCatalog.ValueAt(sample, ["Relay", "Port"]));
        Assert.Equal(TimeSpan.FromSeconds(5), OptionsCatalog.ValueAt(sample, ["Delay"]));
    }

    [Fact]
    public void Catalog_SkipsAssembliesThatAreNotDeployed()
    {
        Assert.DoesNotContain(OptionsCatalog.Sections, s => s.Assembly.EndsWith(".Tests", StringComparison.Ordinal));
        Assert.DoesNotContain(OptionsCatalog.Sections, s => s.Assembly == "SmtpFunctions.Testing");
    }
}
