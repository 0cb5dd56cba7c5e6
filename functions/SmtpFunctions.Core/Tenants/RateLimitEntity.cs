using Azure;
using Azure.Data.Tables;

namespace SmtpFunctions.Core.Tenants;

/// <summary>A key's shared allowance in the <c>ratelimits</c> table: PartitionKey = key id, RowKey = <see cref="Row"/>, one row per key.</summary>
public sealed class RateLimitEntity : ITableEntity
{
    /// <summary>The RowKey of every allowance row.</summary>
    public const string Row = "minute";

    /// <inheritdoc />
    public string PartitionKey { get; set; } = "";

    /// <inheritdoc />
    public string RowKey { get; set; } = Row;

    /// <inheritdoc />
    public DateTimeOffset? Timestamp { get; set; }

    /// <inheritdoc />
    public ETag ETag { get; set; }

    /// <summary>The minute (UTC, <c>yyyyMMddHHmm</c>) <see cref="Taken"/> counts for; an older one counts as zero.</summary>
    public string Window { get; set; } = "";

    /// <summary>Messages the instances together have taken from this minute's allowance.</summary>
    public int Taken { get; set; }
}
