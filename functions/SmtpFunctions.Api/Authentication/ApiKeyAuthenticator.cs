using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Api.Authentication;

/// <summary>
/// Authenticates <c>Authorization: Bearer sf_…</c> API keys: 401 for a missing, unknown, revoked or expired key, 403 for
/// a key without the endpoint's scope (both problem details). Without the header the caller is the default tenant with
/// every scope while <see cref="ApiKeyOptions.DefaultTenantWithoutKey"/> is on (a deployment from before keys).
/// </summary>
/// <remarks>
/// The function key is checked before this, by the Functions host in Azure and by the local host's middleware: it stays
/// the outer perimeter (docs/architecture.md says why), and this is the check that knows tenants and scopes.
/// </remarks>
public sealed partial class ApiKeyAuthenticator(ApiKeyVerifier verifier, IOptions<ApiKeyOptions> options, ILogger<ApiKeyAuthenticator> logger) : IApiAuthenticator
{
    private const ApiScopes AllScopes = ApiScopes.Send | ApiScopes.Read | ApiScopes.Suppressions | ApiScopes.Admin;
    private static readonly Caller DefaultCaller = new(TenantIds.Default, null, AllScopes);

    /// <inheritdoc />
    public async ValueTask<ApiAuthentication> AuthenticateAsync(HttpRequest request, ApiScopes required, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Headers.TryGetValue(HeaderNames.Authorization, out var header) || header.Count == 0)
        {
            return options.Value.DefaultTenantWithoutKey
                ? ApiAuthentication.Accepted(DefaultCaller)
                : Unauthorized("missing-api-key", "No API key", "Send an API key as 'Authorization: Bearer sf_…'.");
        }

        var value = header.ToString();
        if (header.Count > 1 || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            || !ApiKeyToken.TryParse(value["Bearer ".Length..].Trim(), out var token))
        {
            return Unauthorized("invalid-api-key", "Invalid API key", "The Authorization header must be 'Bearer ' and one API key (sf_…).");
        }

        ApiKeyCheck check;
        try
        {
            check = await verifier.CheckAsync(token, cancellationToken);
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogStorageUnavailable(logger, token.KeyId, ex);
            return ApiAuthentication.Refused(ApiProblems.StorageUnavailable());
        }

        switch (check.Verdict)
        {
            case ApiKeyVerdict.Revoked:
                LogRefused(logger, token.KeyId, "revoked");
                return Unauthorized("revoked-api-key", "API key revoked", "This API key was revoked.");
            case ApiKeyVerdict.Expired:
                LogRefused(logger, token.KeyId, "expired");
                return Unauthorized("expired-api-key", "API key expired", "This API key is past its expiry time.");
            case ApiKeyVerdict.Unknown:
                LogRefused(logger, token.KeyId, "unknown");
                return Unauthorized("invalid-api-key", "Invalid API key", "No such API key.");
        }

        var key = check.Key!;
        var caller = new Caller(key.TenantId, key.PartitionKey, ApiScopeNames.Parse(key.Scopes), key.SenderDomains());
        if (!caller.Has(required))
        {
            return ApiAuthentication.Refused(ApiProblems.Create(StatusCodes.Status403Forbidden, "insufficient-scope", "Insufficient scope",
                $"This API key lacks the scope this request needs: {string.Join(", ", ApiScopeNames.Of(required & ~caller.Scopes))}.",
                [new Core.Submission.FieldError("scopes", $"needs {ApiScopeNames.Format(required)}")]));
        }

        return ApiAuthentication.Accepted(caller);
    }

    private static ApiAuthentication Unauthorized(string kind, string title, string detail) =>
        ApiAuthentication.Refused(new ChallengeResult(ApiProblems.Create(StatusCodes.Status401Unauthorized, kind, title, detail,
            [new Core.Submission.FieldError("Authorization", title)])));

    [LoggerMessage(EventId = 9004, Level = LogLevel.Information, Message = "API key {KeyId} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string keyId, string reason);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Warning, Message = "Storage unavailable while checking API key {KeyId}")]
    private static partial void LogStorageUnavailable(ILogger logger, string keyId, Exception exception);

    // RFC 6750 §3: a 401 names the scheme it wants in WWW-Authenticate.
    private sealed class ChallengeResult(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return inner.ExecuteAsync(httpContext);
        }
    }
}
