namespace SmtpFunctions.Api.Keys;

/// <summary>The answer of <c>GET /api/keys</c>.</summary>
public sealed record ApiKeyListView(IReadOnlyList<ApiKeyView> Keys);
