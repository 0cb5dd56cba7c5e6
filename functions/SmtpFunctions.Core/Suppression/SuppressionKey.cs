using SmtpFunctions.Core.Submission;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Core.Suppression;

/// <summary>
/// An address as the suppression list keys it: the envelope form (domain as A-label), case-folded like duplicate
/// detection, so <c>Jörg@Bücher.example</c>, <c>jörg@xn--bcher-kva.example</c> and <c>JÖRG@BÜCHER.EXAMPLE</c> are one entry.
/// </summary>
/// <param name="Address">The address, lower-case, domain as A-label.</param>
/// <param name="Domain">The domain, lower-case A-label.</param>
/// <param name="List">The list the entry is on (<see cref="SuppressionLists"/>): a tenant id, or the global list.</param>
public sealed record SuppressionKey(string Address, string Domain, string List = TenantIds.Default)
{
    /// <summary>The table PartitionKey: the domain within its list.</summary>
    public string PartitionKey => SuppressionLists.PartitionKeyFor(List, Domain);

    /// <summary>The same address on <paramref name="list"/>.</summary>
    public SuppressionKey In(string list) => this with { List = list };

    /// <summary>The table RowKey: the address percent-encoded, so any legal local part (<c>/</c>, <c>#</c>, <c>?</c>, <c>%</c>) is a legal key.</summary>
    public string RowKey => Uri.EscapeDataString(Address);

    /// <summary>The key of an address already in envelope form (as jobs and status rows carry it).</summary>
    public static SuppressionKey ForEnvelope(string address, string list = TenantIds.Default)
    {
        ArgumentNullException.ThrowIfNull(address);
        var folded = address.ToLowerInvariant();
        var at = folded.LastIndexOf('@');
        return new SuppressionKey(folded, at < 0 ? "" : folded[(at + 1)..], list);
    }

    /// <summary>Parses a bare address given by a person (an API path): U-label or A-label domain, any case.</summary>
    public static bool TryParse(string? input, out SuppressionKey? key, out string? problem)
    {
        key = null;
        if (!AddressRules.TryParseMailbox(input, out var mailbox, out problem))
        {
            return false;
        }

        if (!string.IsNullOrEmpty(mailbox!.Name) || input!.Trim() != input)
        {
            problem = $"'{input}' must be a bare address (local-part@domain), without a display name or surrounding spaces";
            return false;
        }

        key = ForEnvelope(AddressRules.ToEnvelope(mailbox).Address);
        return true;
    }

    /// <summary>Normalises a domain given by a person (a query filter) to the lower-case A-label the table is partitioned by.</summary>
    public static bool TryParseDomain(string? input, out string? domain)
    {
        domain = null;
        if (string.IsNullOrWhiteSpace(input) || input.Contains('@', StringComparison.Ordinal)
            || !TryParse("postmaster@" + input, out var key, out _))
        {
            return false;
        }

        domain = key!.Domain;
        return true;
    }
}
