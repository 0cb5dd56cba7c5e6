using System.Text.Json.Serialization;

namespace SmtpFunctions.Api.Keys;

/// <summary>The answer of <c>GET /api/keys</c>.</summary>
public sealed record ApiKeyListView([property: JsonPropertyName("keys")] IReadOnlyList<ApiKeyView> Keys);
