using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Infra.Tests;

/// <summary>docs/telemetry.md lists every metric and every log event the code emits.</summary>
public sealed partial class TelemetryDocsTests
{
    private static readonly string Doc = File.ReadAllText(RepositoryPaths.Combine("docs", "telemetry.md"));

    [Fact]
    public void EveryMetricName_IsDocumented()
    {
        Assert.All(MonitoringTests.MetricNames, name => Assert.Contains($"`{name}`", Doc, StringComparison.Ordinal));
    }

    [Fact]
    public void EveryLogEvent_IsDocumented_ByItsEventId()
    {
        var events = ProductionAssemblies.All
            .SelectMany(ProductionAssemblies.TypesOf)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(e => e.Attribute is not null)
            .ToList();
        var documented = EventRow().Matches(Doc).Select(m => int.Parse(m.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();

        Assert.NotEmpty(events);
        var missing = events
            .Where(e => !documented.Contains(e.Attribute!.EventId))
            .Select(e => $"{e.Attribute!.EventId} {e.Method.DeclaringType!.Name}.{e.Method.Name}")
            .ToList();
        Assert.True(missing.Count == 0, "docs/telemetry.md has no row for these log events:\n  " + string.Join("\n  ", missing));
    }

    // A table row that starts with the event id: "| 1001 | ...".
    [GeneratedRegex(@"^\|\s*(?<id>\d+)\s*\|", RegexOptions.Multiline)]
    private static partial Regex EventRow();
}
