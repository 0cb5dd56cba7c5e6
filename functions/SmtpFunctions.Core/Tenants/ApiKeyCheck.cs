namespace SmtpFunctions.Core.Tenants;

/// <summary>The result of checking a presented key: the verdict, and the key's row when it was accepted.</summary>
public readonly record struct ApiKeyCheck(ApiKeyVerdict Verdict, ApiKeyEntity? Key);
