namespace SmtpFunctions.Core.Tenants;

/// <summary>A key just made: its row and the token, whose secret exists nowhere else and is shown this once.</summary>
public sealed record IssuedApiKey(ApiKeyEntity Key, ApiKeyToken Token);
