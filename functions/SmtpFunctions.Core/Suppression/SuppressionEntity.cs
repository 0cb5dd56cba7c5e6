using System.Globalization;
using Azure;
using Azure.Data.Tables;
using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Core.Suppression;

/// <summary>
/// One suppressed address in the <c>suppressions</c> table: PartitionKey = its domain within its list
/// (<see cref="SuppressionLists.PartitionKeyFor"/>), RowKey = the escaped address.
/// </summary>
/// <remarks>Partitioned by domain so that listing one domain's entries is a partition query; each lookup is a point read.</remarks>
public sealed class SuppressionEntity : ITableEntity
{
    /// <inheritdoc />
    public string PartitionKey { get; set; } = "";

    /// <inheritdoc />
    public string RowKey { get; set; } = "";

    /// <inheritdoc />
    public DateTimeOffset? Timestamp { get; set; }

    /// <inheritdoc />
    public ETag ETag { get; set; }

    /// <summary>The address as delivery used it (envelope form: domain as A-label).</summary>
    public string Address { get; set; } = "";

    /// <summary>The ASCII domain, lower-case (also the PartitionKey).</summary>
    public string Domain { get; set; } = "";

    /// <summary>SMTP reply code of the failure, when a peer gave one (null for NXDOMAIN or a null MX).</summary>
    public int? ReplyCode { get; set; }

    /// <summary>RFC 3463 enhanced status code of the failure, e.g. <c>5.1.1</c>.</summary>
    public string EnhancedCode { get; set; } = "";

    /// <summary>The reply text (or the description of the local condition), without the codes.</summary>
    public string Text { get; set; } = "";

    /// <summary>The message whose delivery failed and caused the entry.</summary>
    public string MessageId { get; set; } = "";

    /// <summary>The peer that gave the reply (<c>host[address]:port</c>), when one did.</summary>
    public string? MxHost { get; set; }

    /// <summary>When the address was suppressed.</summary>
    public DateTimeOffset SuppressedAt { get; set; }

    /// <summary>
    /// Who put it there: empty for delivery (a permanent failure; every entry made before entries could be added by hand),
    /// <see cref="SuppressionSources.Api"/> for a tenant's <c>POST /api/suppressions</c>, <see cref="SuppressionSources.Operator"/>
    /// for the operator's command.
    /// </summary>
    public string AddedBy { get; set; } = "";

    /// <summary>The list the entry is on (a tenant id, or <see cref="SuppressionLists.Global"/>), from its PartitionKey.</summary>
    public string List => SuppressionLists.ListOf(PartitionKey);

    /// <summary>What a suppressed recipient's status says: since when, and the failure (or the person) that caused it.</summary>
    public string ToStatusText()
    {
        var since = SuppressedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var scope = List == SuppressionLists.Global ? "on the global list " : "";
        return AddedBy.Length == 0
            ? $"suppressed {scope}since {since} ({new DeliveryReply(ReplyKind.Permanent, ReplyCode, EnhancedCode, Text)})"
            : $"suppressed {scope}since {since} (added by {AddedBy}{(Text.Length > 0 ? ": " + Text : "")})";
    }
}
