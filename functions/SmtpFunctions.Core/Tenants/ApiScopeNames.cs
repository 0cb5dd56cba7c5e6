namespace SmtpFunctions.Core.Tenants;

/// <summary>The scopes' names as the API, the CLI and the table spell them: <c>send</c>, <c>read</c>, <c>suppressions</c>, <c>admin</c>.</summary>
public static class ApiScopeNames
{
    private static readonly (ApiScopes Scope, string Name)[] Names =
    [
        (ApiScopes.Send, "send"), (ApiScopes.Read, "read"), (ApiScopes.Suppressions, "suppressions"), (ApiScopes.Admin, "admin"),
    ];

    /// <summary>The names of the scopes in <paramref name="scopes"/>.</summary>
    public static IReadOnlyList<string> Of(ApiScopes scopes) => Names.Where(n => (scopes & n.Scope) != 0).Select(n => n.Name).ToList();

    /// <summary>Comma-separated names.</summary>
    public static string Format(ApiScopes scopes) => string.Join(',', Of(scopes));

    /// <summary>Parses names (case-insensitive); false naming the first unknown one.</summary>
    public static bool TryParse(IEnumerable<string> names, out ApiScopes scopes, out string? unknown)
    {
        ArgumentNullException.ThrowIfNull(names);
        scopes = ApiScopes.None;
        unknown = null;
        foreach (var raw in names)
        {
            var name = raw.Trim();
            var match = Names.FirstOrDefault(n => string.Equals(n.Name, name, StringComparison.OrdinalIgnoreCase));
            if (match.Name is null)
            {
                unknown = name;
                return false;
            }

            scopes |= match.Scope;
        }

        return true;
    }

    /// <summary>Parses the comma-separated form the table stores (unknown names are dropped: a key never gains a scope).</summary>
    public static ApiScopes Parse(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var scopes = ApiScopes.None;
        foreach (var name in stored.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            scopes |= Names.FirstOrDefault(n => n.Name == name).Scope;
        }

        return scopes;
    }
}
