using Microsoft.Extensions.Logging;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Core.Tenants;

/// <summary>Creates, lists and revokes API keys: what the admin API and the <c>keys</c> command both call.</summary>
public sealed partial class ApiKeyManager(ApiKeyStore store, ApiKeyVerifier verifier, TimeProvider time, ILogger<ApiKeyManager> logger)
{
    /// <summary>Longest key name.</summary>
    public const int MaxNameLength = 100;

    /// <summary>Checks a new key's fields; null when it can be made, else the field at fault and why.</summary>
    public FieldError? Validate(NewApiKey request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TenantNames.IsValid(request.TenantId))
        {
            return new FieldError("tenant", "1 to 64 of a-z, 0-9 and '-', starting with a letter or digit");
        }

        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > MaxNameLength)
        {
            return new FieldError("name", $"1 to {MaxNameLength} characters");
        }

        if (request.Scopes == ApiScopes.None)
        {
            return new FieldError("scopes", "at least one of send, read, suppressions, admin");
        }

        if (request.RateLimitPerMinute is < 1 or > 1_000_000)
        {
            return new FieldError("rateLimitPerMinute", "a whole number from 1 to 1000000, or absent for no limit");
        }

        if (request.ExpiresAt is { } expires && expires <= time.GetUtcNow())
        {
            return new FieldError("expiresAt", "must be in the future");
        }

        foreach (var domain in request.AllowedSenderDomains ?? [])
        {
            if (!SmtpFunctions.Core.Suppression.SuppressionKey.TryParseDomain(domain, out _))
            {
                return new FieldError("allowedSenderDomains", $"'{domain}' is not a domain name");
            }
        }

        return null;
    }

    /// <summary>Makes a key (call <see cref="Validate"/> first); the token's secret is in the result only.</summary>
    public async Task<IssuedApiKey> CreateAsync(NewApiKey request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Validate(request) is { } problem)
        {
            throw new ArgumentException($"{problem.Field}: {problem.Detail}", nameof(request));
        }

        var token = ApiKeyToken.New();
        var domains = (request.AllowedSenderDomains ?? [])
            .Select(d => SmtpFunctions.Core.Suppression.SuppressionKey.TryParseDomain(d, out var ascii) ? ascii! : d)
            .Distinct(StringComparer.Ordinal);
        var key = new ApiKeyEntity
        {
            PartitionKey = token.KeyId,
            TenantId = request.TenantId,
            Name = request.Name.Trim(),
            Scopes = ApiScopeNames.Format(request.Scopes),
            AllowedSenderDomains = string.Join(',', domains),
            RateLimitPerMinute = request.RateLimitPerMinute,
            SecretHash = ApiKeyToken.Hash(token.Secret),
            CreatedAt = time.GetUtcNow(),
            ExpiresAt = request.ExpiresAt,
        };
        await store.AddAsync(key, cancellationToken);
        LogCreated(logger, key.PartitionKey, key.TenantId, key.Scopes);
        return new IssuedApiKey(key, token);
    }

    /// <summary>The tenant's keys.</summary>
    public Task<IReadOnlyList<ApiKeyEntity>> ListAsync(string tenantId, CancellationToken cancellationToken) => store.ListAsync(tenantId, cancellationToken);

    /// <summary>
    /// Revokes a key of <paramref name="tenantId"/>; false when the tenant has no such key. Every instance refuses it
    /// within <see cref="Options.ApiKeyOptions.CacheTtl"/>, this one at once.
    /// </summary>
    public async Task<bool> RevokeAsync(string tenantId, string keyId, CancellationToken cancellationToken)
    {
        if (!ApiKeyToken.IsKeyId(keyId) || await store.GetAsync(keyId, cancellationToken) is not { } key || key.TenantId != tenantId)
        {
            return false;
        }

        if (key.RevokedAt is null)
        {
            key.RevokedAt = time.GetUtcNow();
            await store.SetAsync(keyId, nameof(ApiKeyEntity.RevokedAt), key.RevokedAt.Value, cancellationToken);
            LogRevoked(logger, keyId, tenantId);
        }

        verifier.Forget(keyId);
        return true;
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "API key {KeyId} created for tenant {TenantId} with scopes {Scopes}")]
    private static partial void LogCreated(ILogger logger, string keyId, string tenantId, string scopes);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "API key {KeyId} of tenant {TenantId} revoked")]
    private static partial void LogRevoked(ILogger logger, string keyId, string tenantId);
}
