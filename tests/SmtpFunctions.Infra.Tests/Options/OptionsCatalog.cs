using System.Collections;
using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace SmtpFunctions.Infra.Tests.Options;

/// <summary>
/// Every options class the deployed code binds, found by reflection (a type with <c>public const string SectionName</c>
/// in a SmtpFunctions production assembly), and the configuration keys each one reads, the way
/// <c>ConfigurationBinder</c> reads them.
/// </summary>
internal static class OptionsCatalog
{
    /// <summary>Every options class in the production assemblies next to the tests.</summary>
    public static IReadOnlyList<OptionsSection> Sections { get; } = Discover();

    /// <summary>The scalar keys and collection keys of an options class, prefixed with its section.</summary>
    public static IReadOnlyList<OptionKey> KeysOf(string section, Type type) => Walk(section, type, []).ToList();

    /// <summary>True when <paramref name="key"/> (e.g. <c>Dkim__Keys__0__Domain</c>) names a scalar the class binds, through nested objects and collection items.</summary>
    public static bool Resolves(Type type, IReadOnlyList<string> path) => Resolves(type, path, 0);

    /// <summary>The value at a key path below an options instance (e.g. <c>["SmartHost", "Port"]</c>).</summary>
    public static object? ValueAt(object instance, IReadOnlyList<string> path)
    {
        object? current = instance;
        foreach (var segment in path)
        {
            if (current is null)
            {
                return null;
            }

            var property = FindProperty(current.GetType(), segment)
                ?? throw new InvalidOperationException($"{current.GetType().Name} has no property for '{segment}'.");
            current = property.GetValue(current);
        }

        return current;
    }

    /// <summary>True for what the binder converts from one string (numbers, bool, string, TimeSpan, enums, Uri...).</summary>
    public static bool IsScalar(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying == typeof(string)
            || (!IsCollection(underlying) && TypeDescriptor.GetConverter(underlying).CanConvertFrom(typeof(string)));
    }

    /// <summary>True for dictionaries, arrays and lists (bound per item).</summary>
    public static bool IsCollection(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);

    private static List<OptionsSection> Discover() =>
        ProductionAssemblies.All
            .SelectMany(assembly => ProductionAssemblies.TypesOf(assembly).Select(type => (Assembly: assembly.GetName().Name!, Type: type)))
            .Select(t => (t.Assembly, t.Type, Field: t.Type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)))
            .Where(t => t.Field is { IsLiteral: true } && t.Field.FieldType == typeof(string) && t.Type is { IsClass: true, IsAbstract: false })
            .Select(t => new OptionsSection((string)t.Field!.GetRawConstantValue()!, t.Type, t.Assembly))
            .ToList();

    private static IEnumerable<OptionKey> Walk(string prefix, Type type, HashSet<Type> visiting)
    {
        if (!visiting.Add(type))
        {
            yield break;
        }

        foreach (var property in BindableProperties(type))
        {
            var key = $"{prefix}__{KeyName(property)}";
            var propertyType = property.PropertyType;
            if (IsCollection(propertyType))
            {
                yield return new OptionKey(key, propertyType, IsCollection: true);
            }
            else if (IsScalar(propertyType))
            {
                if (property.SetMethod is { IsPublic: true })
                {
                    // A secret ([DataType(DataType.Password)]) comes from keyVaultReferences, never from optionDefaults.
                    var secret = property.GetCustomAttribute<System.ComponentModel.DataAnnotations.DataTypeAttribute>()?.DataType
                        == System.ComponentModel.DataAnnotations.DataType.Password;
                    yield return new OptionKey(key, propertyType, IsCollection: false, IsSecret: secret);
                }
            }
            else
            {
                foreach (var nested in Walk(key, propertyType, visiting))
                {
                    yield return nested;
                }
            }
        }

        visiting.Remove(type);
    }

    private static bool Resolves(Type type, IReadOnlyList<string> path, int index)
    {
        if (index == path.Count)
        {
            return IsScalar(type);
        }

        if (IsCollection(type))
        {
            // This segment is the item's index or dictionary key; the rest names a member of the item.
            return ItemType(type) is { } item && Resolves(item, path, index + 1);
        }

        if (IsScalar(type))
        {
            return false;
        }

        // The binder sets scalars through a public setter (or init); read-only ones are never bound.
        return FindProperty(type, path[index]) is { } property
            && (!IsScalar(property.PropertyType) || property.SetMethod is { IsPublic: true })
            && Resolves(property.PropertyType, path, index + 1);
    }

    private static Type? ItemType(Type collection)
    {
        if (collection.IsArray)
        {
            return collection.GetElementType();
        }

        var generic = collection.IsGenericType && collection.GetGenericTypeDefinition() is var d
            && (d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>))
            ? collection
            : collection.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        if (generic is not null)
        {
            return generic.GetGenericArguments()[1];
        }

        var enumerable = collection.IsGenericType && collection.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? collection
            : collection.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }

    private static PropertyInfo? FindProperty(Type type, string segment) =>
        BindableProperties(type).FirstOrDefault(p => string.Equals(KeyName(p), segment, StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<PropertyInfo> BindableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true });

    private static string KeyName(PropertyInfo property) =>
        property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;
}
