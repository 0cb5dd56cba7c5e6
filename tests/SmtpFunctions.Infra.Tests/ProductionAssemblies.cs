using System.Reflection;

namespace SmtpFunctions.Infra.Tests;

/// <summary>The SmtpFunctions assemblies that get deployed, as copied next to the tests by the project references.</summary>
internal static class ProductionAssemblies
{
    /// <summary>Assemblies that are deployed nowhere (tests, tools, the local host).</summary>
    private static readonly string[] NotDeployed = ["SmtpFunctions.Testing", "SmtpFunctions.Benchmarks", "SmtpFunctions.LocalHost"];

    /// <summary>Each deployed assembly with its simple name.</summary>
    public static IReadOnlyList<Assembly> All { get; } = Directory.GetFiles(AppContext.BaseDirectory, "SmtpFunctions.*.dll")
        .Select(Path.GetFileNameWithoutExtension)
        .Where(name => !name!.EndsWith(".Tests", StringComparison.Ordinal) && !NotDeployed.Contains(name))
        .Select(name => Assembly.Load(name!))
        .ToList();

    /// <summary>The types of an assembly that load (a type whose dependency is missing is skipped, not fatal).</summary>
    public static IEnumerable<Type> TypesOf(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }
}
