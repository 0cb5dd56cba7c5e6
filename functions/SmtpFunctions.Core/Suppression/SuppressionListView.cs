using System.Text.Json.Serialization;

namespace SmtpFunctions.Core.Suppression;

/// <summary>The body of <c>GET /api/suppressions</c>: one page and the token for the next.</summary>
public sealed record SuppressionListView
{
    /// <summary>The entries of this page, in order of domain, then address.</summary>
    [JsonPropertyName("suppressions")]
    public required IReadOnlyList<SuppressionView> Suppressions { get; init; }

    /// <summary>Pass as <c>continuationToken</c> to read the next page; null on the last page.</summary>
    [JsonPropertyName("continuationToken")]
    public string? ContinuationToken { get; init; }
}
