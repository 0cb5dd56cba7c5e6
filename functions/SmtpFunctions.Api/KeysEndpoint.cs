using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Api.Authentication;
using SmtpFunctions.Api.Keys;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Api;

/// <summary>
/// <c>POST /api/keys</c>, <c>GET /api/keys</c>, <c>DELETE /api/keys/{id}</c>: an admin key manages its own tenant's keys.
/// Both hosts route to these methods. A new tenant's first key comes from the <c>keys create</c> command (docs/deploy.md).
/// </summary>
public sealed partial class KeysEndpoint(ApiKeyManager manager, IApiAuthenticator authenticator, ILogger<KeysEndpoint> logger)
{
    private const int MaxBodyBytes = 16 * 1024;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Makes a key of the caller's tenant: 201 with the token, shown this once.</summary>
    public async Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authentication = await authenticator.AuthenticateAsync(request, ApiScopes.Admin, cancellationToken);
        if (authentication.Refusal is { } refusal)
        {
            return refusal;
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return Invalid("body", $"at most {MaxBodyBytes} octets");
        }

        if (ApiProblems.JsonRequired(request) is { } notJson)
        {
            return notJson;
        }

        CreateKeyRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<CreateKeyRequest>(request.Body, Json, cancellationToken);
        }
        catch (JsonException ex)
        {
            return Invalid(ex.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "body", "not valid JSON for a key request");
        }

        if (body is null)
        {
            return Invalid("body", "a JSON object is required");
        }

        if (!ApiScopeNames.TryParse(body.Scopes ?? [], out var scopes, out var unknown))
        {
            return Invalid("scopes", $"'{unknown}' is not a scope: use send, read, suppressions, admin");
        }

        var wanted = new NewApiKey
        {
            TenantId = authentication.Caller!.TenantId,
            Name = body.Name ?? "",
            Scopes = scopes,
            AllowedSenderDomains = body.AllowedSenderDomains,
            RateLimitPerMinute = body.RateLimitPerMinute,
            ExpiresAt = body.ExpiresAt,
        };
        if (manager.Validate(wanted) is { } problem)
        {
            return Invalid(problem.Field, problem.Detail);
        }

        return await AnswerAsync(async () =>
        {
            var issued = await manager.CreateAsync(wanted, cancellationToken);
            return Results.Json(ApiKeyView.From(issued.Key, issued.Token), Json, "application/json", StatusCodes.Status201Created);
        }, cancellationToken);
    }

    /// <summary>The caller's tenant's keys, revoked ones included, without secrets.</summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var authentication = await authenticator.AuthenticateAsync(request, ApiScopes.Admin, cancellationToken);
        if (authentication.Refusal is { } refusal)
        {
            return refusal;
        }

        return await AnswerAsync(async () =>
        {
            var keys = await manager.ListAsync(authentication.Caller!.TenantId, cancellationToken);
            return Results.Json(new ApiKeyListView(keys.Select(k => ApiKeyView.From(k)).ToList()), Json, "application/json");
        }, cancellationToken);
    }

    /// <summary>Revokes a key of the caller's tenant: 204, or 404 for a key it does not have.</summary>
    public async Task<IResult> RevokeAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var authentication = await authenticator.AuthenticateAsync(request, ApiScopes.Admin, cancellationToken);
        if (authentication.Refusal is { } refusal)
        {
            return refusal;
        }

        return await AnswerAsync(async () => await manager.RevokeAsync(authentication.Caller!.TenantId, id, cancellationToken)
            ? Results.NoContent()
            : ApiProblems.Create(StatusCodes.Status404NotFound, "not-found", "Key not found", $"This tenant has no API key '{id}'.",
                [new FieldError("id", "unknown key id")]), cancellationToken);
    }

    private async Task<IResult> AnswerAsync(Func<Task<IResult>> act, CancellationToken cancellationToken)
    {
        try
        {
            return await act();
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogStorageUnavailable(logger, ex);
            return ApiProblems.StorageUnavailable();
        }
    }

    private static IResult Invalid(string field, string detail) =>
        ApiProblems.Create(StatusCodes.Status400BadRequest, "invalid-request", "Invalid key request", $"{field}: {detail}.", [new FieldError(field, detail)]);

    [LoggerMessage(EventId = 9006, Level = LogLevel.Warning, Message = "Storage unavailable while reading or changing API keys")]
    private static partial void LogStorageUnavailable(ILogger logger, Exception exception);
}
