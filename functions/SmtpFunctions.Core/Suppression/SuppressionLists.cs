using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Core.Suppression;

/// <summary>
/// Which suppression list an entry belongs to: each tenant has its own, and the operator keeps one that applies to every
/// tenant (<see cref="Global"/>). All live in the one <c>suppressions</c> table, told apart by the PartitionKey.
/// </summary>
/// <remarks>
/// The default tenant keeps the bare domain as PartitionKey, as every entry had before tenants existed, so an upgraded
/// deployment's list stays its default tenant's without a migration. Every other list's partitions are
/// <c>~&lt;list&gt;|&lt;domain&gt;</c>: <c>~</c> sorts after every character a lower-case A-label can hold, so the default
/// tenant's partitions are exactly those below <c>~</c>, and one list's are one key range (<c>|</c> and <c>}</c> are
/// neighbours, and neither can be in a tenant id).
/// </remarks>
public static class SuppressionLists
{
    /// <summary>The operator's list: its entries are suppressed for every tenant, and only the operator adds or lifts them.</summary>
    /// <remarks>Not a valid tenant id (<see cref="TenantNames"/>), so no tenant's list can be it.</remarks>
    public const string Global = "$global";

    private const char Prefix = '~';

    /// <summary>The list a tenant's mail is checked against and fed into (besides <see cref="Global"/>).</summary>
    /// <remarks>The system's own mail (a DSN) names the tenant it reports to; a DSN from before that is the default tenant's.</remarks>
    public static string For(string? tenantId) =>
        string.IsNullOrEmpty(tenantId) || tenantId == TenantIds.System ? TenantIds.Default : tenantId;

    /// <summary>The PartitionKey of <paramref name="domain"/>'s entries in <paramref name="list"/>.</summary>
    public static string PartitionKeyFor(string list, string domain) =>
        list == TenantIds.Default ? domain : $"{Prefix}{list}|{domain}";

    /// <summary>The list a PartitionKey belongs to.</summary>
    public static string ListOf(string partitionKey)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        if (partitionKey.Length == 0 || partitionKey[0] != Prefix)
        {
            return TenantIds.Default;
        }

        var bar = partitionKey.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? TenantIds.Default : partitionKey[1..bar];
    }

    /// <summary>
    /// The PartitionKey range (inclusive low, exclusive high; null low for the start of the table) holding every entry of
    /// <paramref name="list"/>.
    /// </summary>
    public static (string? From, string Before) RangeOf(string list) =>
        list == TenantIds.Default ? (null, Prefix.ToString()) : ($"{Prefix}{list}|", $"{Prefix}{list}}}");
}
