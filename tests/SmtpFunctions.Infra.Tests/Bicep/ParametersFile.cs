using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SmtpFunctions.Infra.Tests.Bicep;

/// <summary>
/// Turns <c>infra/main.parameters.json</c> (azd's format, with <c>${VAR}</c> and <c>${VAR=default}</c> placeholders)
/// into the <c>.bicepparam</c> text that <c>bicep snapshot</c> needs, the way azd would fill it from an environment.
/// </summary>
internal static partial class ParametersFile
{
    /// <summary>Substitutes <paramref name="environment"/> (unset names take their default, else empty) and converts each value to the declared type.</summary>
    public static string ToBicepParam(string parametersJson, JsonObject compiledTemplate, IReadOnlyDictionary<string, string> environment)
    {
        var declared = compiledTemplate["parameters"]!.AsObject();
        var text = new StringBuilder();
        foreach (var (name, entry) in JsonNode.Parse(parametersJson)!["parameters"]!.AsObject())
        {
            Assert.True(declared.ContainsKey(name), $"main.parameters.json sets '{name}', which main.bicep does not declare.");
            var raw = entry!["value"];
            var value = raw is JsonValue v && v.TryGetValue<string>(out var s) ? Substitute(s, environment) : raw!.ToJsonString();
            var type = (string)declared[name]!["type"]!;
            text.Append(CultureInfo.InvariantCulture, $"param {name} = {Literal(type, value, name)}\n");
        }

        return text.ToString();
    }

    /// <summary>A Bicep string literal.</summary>
    public static string Quote(string value) => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    private static string Substitute(string value, IReadOnlyDictionary<string, string> environment) =>
        Placeholder().Replace(value, m => environment.TryGetValue(m.Groups["name"].Value, out var set) ? set : m.Groups["default"].Value);

    private static string Literal(string type, string value, string name) => type.ToUpperInvariant() switch
    {
        "STRING" or "SECURESTRING" => Quote(value),
        "BOOL" => bool.Parse(value) ? "true" : "false",
        "INT" => long.Parse(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"Parameter '{name}' of type {type}: only scalars are expected in main.parameters.json."),
    };

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(=(?<default>[^}]*))?\}")]
    private static partial Regex Placeholder();
}
