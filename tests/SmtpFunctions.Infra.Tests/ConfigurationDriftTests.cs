using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core;
using SmtpFunctions.Infra.Tests.Bicep;
using SmtpFunctions.Infra.Tests.Options;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Infra.Tests;

/// <summary>
/// The app settings in Bicep and the options the code binds cannot drift apart: every key the code reads has a
/// setting on the host that reads it, every setting is something the code (or the platform) reads, the values Bicep
/// writes by default are the code's defaults, and they bind and validate as the app would at start.
/// </summary>
[Collection(InfraCollection.Name)]
public sealed class ConfigurationDriftTests(InfraFixture infra)
{
    public static TheoryData<string> Hosts => [DeployedHosts.FunctionApp, DeployedHosts.Ingress];

    public static TheoryData<string, string> HostsAndScenarios => new()
    {
        { DeployedHosts.FunctionApp, "defaults" },
        { DeployedHosts.FunctionApp, "full" },
        { DeployedHosts.Ingress, "defaults" },
        { DeployedHosts.Ingress, "full" },
    };

    [Fact]
    public void Catalog_FindsTheCoreOptionsClasses()
    {
        // The discovery itself must work, or every check below would pass on nothing.
        var names = OptionsCatalog.Sections.Select(s => s.Name).ToList();
        Assert.Contains(Core.Options.SubmissionOptions.SectionName, names);
        Assert.Contains(Core.Options.StorageOptions.SectionName, names);
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void EveryOptionKey_HasASetting_OnTheHostThatBindsIt(string host)
    {
        var settings = infra.Defaults.SettingsOf(host);
        var missing = DeployedHosts.SectionsOf(host)
            .SelectMany(s => OptionsCatalog.KeysOf(s.Name, s.Type))
            .Where(k => !k.IsCollection && !k.IsSecret && !settings.ContainsKey(k.Key))
            .Select(k => k.Key)
            .ToList();

        Assert.True(missing.Count == 0,
            $"The {host} reads options that Bicep does not set. Add a line per key to optionDefaults in infra/app/options.bicep " +
            $"(value: the code's default; a new section only the ingress reads also goes to ingressOnlySections):\n  {string.Join("\n  ", missing)}");
    }

    [Theory]
    [MemberData(nameof(HostsAndScenarios))]
    public void EverySetting_IsReadByTheCodeOrThePlatform(string host, string scenario)
    {
        var deployment = scenario == "full" ? infra.Full : infra.Defaults;
        var sections = DeployedHosts.SectionsOf(host).ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        var platform = host == DeployedHosts.FunctionApp
            ? DeployedHosts.PlatformSettings.Union(DeployedHosts.ShardTriggerSettings).ToHashSet(StringComparer.Ordinal)
            : DeployedHosts.PlatformSettings;
        var allSections = OptionsCatalog.Sections.Select(s => s.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

        var unknown = new List<string>();
        foreach (var key in deployment.SettingsOf(host).Keys.Where(k => !platform.Contains(k)))
        {
            var path = key.Split("__");
            if (sections.TryGetValue(path[0], out var section))
            {
                if (!OptionsCatalog.Resolves(section.Type, path[1..]))
                {
                    unknown.Add($"{key} ({section.Type.Name} has no such property)");
                }
            }
            else if (allSections.Contains(path[0]))
            {
                unknown.Add($"{key} (section {path[0]} is not bound by the {host})");
            }
            else if (!DeployedHosts.PendingSections.ContainsKey(path[0]))
            {
                unknown.Add($"{key} (no options class has section {path[0]})");
            }
        }

        Assert.True(unknown.Count == 0,
            $"{scenario}: the {host} gets settings nothing reads. Remove them from infra/, or add the option to the code:\n  {string.Join("\n  ", unknown)}");
    }

    [Fact]
    public void OptionDefaults_AreTheCodesDefaults()
    {
        var sections = OptionsCatalog.Sections.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (var group in infra.OptionDefaults.GroupBy(d => d.Key.Split("__")[0], StringComparer.OrdinalIgnoreCase))
        {
            if (!sections.TryGetValue(group.Key, out var section))
            {
                problems.Add($"{group.Key}: no options class has this section");
                continue;
            }

            var fresh = Activator.CreateInstance(section.Type)!;
            var bound = Bind(section, group.Select(d => (d.Key, (string)d.Value!)));
            foreach (var (key, value) in group)
            {
                var path = key.Split("__")[1..];
                if (!OptionsCatalog.Resolves(section.Type, path))
                {
                    problems.Add($"{key}: {section.Type.Name} has no such property");
                    continue;
                }

                var expected = OptionsCatalog.ValueAt(fresh, path);
                var actual = OptionsCatalog.ValueAt(bound, path);
                if (!SameValue(expected, actual))
                {
                    problems.Add($"{key}: Bicep writes '{value}', the code's default is '{Format(expected)}'");
                }
            }
        }

        Assert.True(problems.Count == 0, "infra/app/options.bicep disagrees with the options classes:\n  " + string.Join("\n  ", problems));
    }

    // An ARM expression (a resource's endpoint, such as the vault's URI) has its value only at deployment; the only
    // options fed one take endpoints, so it stands in as an https URI.
    private static string DeployTimeValue(string value) =>
        value.StartsWith('[') && value.EndsWith(']') ? "https://resolved-at-deployment.invalid/" : value;

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Settings_BindAndValidate_AsTheAppWouldAtStart(string host)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(infra.Defaults.SettingsOf(host).Select(s => KeyValuePair.Create(s.Key.Replace("__", ":", StringComparison.Ordinal), (string?)DeployTimeValue(s.Value))))
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSmtpFunctionsCore(configuration);
        using var provider = services.BuildServiceProvider();

        foreach (var section in DeployedHosts.SectionsOf(host))
        {
            // Core's registrations run their own validators (ValidateOnStart); other hosts' options get the data
            // annotations check that AddValidatedOptions applies.
            var registered = services.Any(d => d.ServiceType == typeof(IConfigureOptions<>).MakeGenericType(section.Type));
            if (registered)
            {
                var options = provider.GetRequiredService(typeof(IOptions<>).MakeGenericType(section.Type));
                var value = options.GetType().GetProperty(nameof(IOptions<object>.Value))!;
                var exception = Record.Exception(() => value.GetValue(options));
                Assert.True(exception is null, $"{host}: {section.Name} settings fail validation: {(exception as TargetInvocationException)?.InnerException?.Message ?? exception?.Message}");
            }
            else
            {
                var instance = Activator.CreateInstance(section.Type)!;
                configuration.GetSection(section.Name).Bind(instance);
                var results = new List<ValidationResult>();
                Assert.True(
                    Validator.TryValidateObject(instance, new ValidationContext(instance), results, validateAllProperties: true),
                    $"{host}: {section.Name} settings fail validation: {string.Join("; ", results.Select(r => r.ErrorMessage))}");
            }
        }
    }

    [Fact]
    public void CollectionOptions_AreDocumented_WithHowToSetThem()
    {
        // Per-key collections (DKIM keys, per-domain overrides, users) are exempt from one setting per key; they must
        // at least be explained where operators look.
        var deployDoc = File.ReadAllText(RepositoryPaths.Combine("docs", "deploy.md"));
        var undocumented = OptionsCatalog.Sections
            .SelectMany(s => OptionsCatalog.KeysOf(s.Name, s.Type))
            .Where(k => k.IsCollection && !deployDoc.Contains(k.Key, StringComparison.Ordinal))
            .Select(k => k.Key)
            .ToList();

        Assert.True(undocumented.Count == 0,
            $"docs/deploy.md does not say how to set these collection options (dkimKeys, keyVaultReferences or mailOptions):\n  {string.Join("\n  ", undocumented)}");
    }

    [Fact]
    public void OptionOverrides_ReachBothHosts_ThatBindTheSection()
    {
        var (key, value) = InfraFixture.OptionOverride;
        Assert.Equal(value, infra.Full.SettingsOf(DeployedHosts.FunctionApp)[key]);
        Assert.Equal(value, infra.Full.SettingsOf(DeployedHosts.Ingress)[key]);
        Assert.NotEqual(value, infra.Defaults.SettingsOf(DeployedHosts.FunctionApp)[key]);
    }

    private static object Bind(OptionsSection section, IEnumerable<(string Key, string Value)> settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key.Replace("__", ":", StringComparison.Ordinal), (string?)s.Value)))
            .Build();
        var instance = Activator.CreateInstance(section.Type)!;
        configuration.GetSection(section.Name).Bind(instance);
        return instance;
    }

    // An app setting cannot be null: an empty string stands for a string option whose default is null or empty.
    private static bool SameValue(object? expected, object? actual) =>
        Equals(expected, actual) || (expected is null or "" && actual is null or "");

    private static string Format(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null";
}
