namespace SmtpFunctions.Core.Tenants;

/// <summary>What a tenant id may look like: 1–64 of <c>a-z 0-9 -</c>, starting with a letter or digit.</summary>
/// <remarks><see cref="TenantIds.System"/> does not fit the pattern on purpose, so no key can ever be issued for it.</remarks>
public static class TenantNames
{
    /// <summary>True for an id a key may belong to.</summary>
    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= 64 } && id[0].IsAsciiLetterLowerOrDigit()
        && id.All(c => c.IsAsciiLetterLowerOrDigit() || c == '-');

    private static bool IsAsciiLetterLowerOrDigit(this char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
}
