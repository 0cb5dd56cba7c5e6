using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Api.Authentication;
using SmtpFunctions.Core.Events;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Api;

/// <summary>
/// <c>POST</c>/<c>GET /api/webhooks</c>, <c>GET</c>/<c>DELETE /api/webhooks/{id}</c> and <c>POST /api/webhooks/{id}/replay</c>:
/// the caller's tenant's webhook subscriptions (scope Admin). Both hosts route to these methods.
/// </summary>
public sealed partial class WebhooksEndpoint(IApiAuthenticator authenticator, WebhookSubscriptions subscriptions, ILogger<WebhooksEndpoint> logger)
{
    private const int MaxBodyBytes = 16 * 1024;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Creates a subscription: 201 with it (and its secret, shown only here) and a Location header.</summary>
    public async Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var auth = await authenticator.AuthenticateAsync(request, ApiScopes.Admin, cancellationToken);
        if (auth.Refusal is { } refusal)
        {
            return refusal;
        }

        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return ApiProblems.UnsupportedMediaType(request.ContentType);
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return ApiProblems.Create(StatusCodes.Status413PayloadTooLarge, "too-large", "Request too large", $"A subscription is at most {MaxBodyBytes} octets.");
        }

        WebhookSubscriptionRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<WebhookSubscriptionRequest>(request.Body, Json, cancellationToken);
        }
        catch (JsonException ex)
        {
            return ApiProblems.Create(StatusCodes.Status400BadRequest, "invalid-request", "Invalid request", "The body is not a subscription: " + ex.Message,
                [new FieldError(ex.Path ?? "", "is not valid JSON for this field")]);
        }

        if (body is null)
        {
            return ApiProblems.Create(StatusCodes.Status400BadRequest, "invalid-request", "Invalid request", "The body is empty.", [new FieldError("url", "is required")]);
        }

        return await AnswerAsync(async () =>
        {
            var (created, errors) = await subscriptions.CreateAsync(TenantOf(auth), body, cancellationToken);
            if (created is null)
            {
                return ApiProblems.Create(StatusCodes.Status400BadRequest, "invalid-request", "Invalid subscription", errors[0].Detail, errors);
            }

            return new LocatedResult(Results.Json(created, Json, "application/json", StatusCodes.Status201Created), "/api/webhooks/" + created.Id);
        }, cancellationToken);
    }

    /// <summary>The tenant's subscriptions (without secrets).</summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var auth = await authenticator.AuthenticateAsync(request, ApiScopes.Admin, cancellationToken);
        return auth.Refusal ?? await AnswerAsync(
            async () => Results.Json(new { subscriptions = await subscriptions.ListAsync(TenantOf(auth), cancellationToken) }, Json, "application/json"),
            cancellationToken);
    }

    /// <summary>One subscription, with its failure state.</summary>
    public async Task<IResult> GetAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var auth = await authenticator.AuthenticateAsync(request, ApiScopes.Admin, cancellationToken);
        return auth.Refusal ?? await AnswerAsync(
            async () => await subscriptions.GetAsync(TenantOf(auth), id, cancellationToken) is { } found ? Results.Json(found, Json, "application/json") : NotFound(id),
            cancellationToken);
    }

    /// <summary>Deletes a subscription: 204, or 404.</summary>
    public async Task<IResult> DeleteAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var auth = await authenticator.AuthenticateAsync(request, ApiScopes.Admin, cancellationToken);
        return auth.Refusal ?? await AnswerAsync(
            async () => await subscriptions.DeleteAsync(TenantOf(auth), id, cancellationToken) ? Results.NoContent() : NotFound(id),
            cancellationToken);
    }

    /// <summary>
    /// Enables the subscription again and sends once more every event it never took (<c>?since=</c> an RFC 3339 time to
    /// limit them): 202 with <c>{ "replayed": n }</c>.
    /// </summary>
    public async Task<IResult> ReplayAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var auth = await authenticator.AuthenticateAsync(request, ApiScopes.Admin, cancellationToken);
        if (auth.Refusal is { } refusal)
        {
            return refusal;
        }

        DateTimeOffset? since = null;
        if (request.Query.TryGetValue("since", out var sinceText))
        {
            if (!DateTimeOffset.TryParse(sinceText.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return ApiProblems.Create(StatusCodes.Status400BadRequest, "invalid-request", "Invalid query", "since must be an RFC 3339 date-time.", [new FieldError("since", "is not a date-time")]);
            }

            since = parsed;
        }

        return await AnswerAsync(
            async () => await subscriptions.ReplayAsync(TenantOf(auth), id, since, cancellationToken) is { } count
                ? Results.Json(new { replayed = count }, Json, "application/json", StatusCodes.Status202Accepted)
                : NotFound(id),
            cancellationToken);
    }

    private static string TenantOf(ApiAuthentication auth) => auth.Caller?.TenantId ?? TenantIds.Default;

    private static IResult NotFound(string id) =>
        ApiProblems.Create(StatusCodes.Status404NotFound, "not-found", "Subscription not found", $"No webhook subscription '{id}' exists for this tenant.");

    private async Task<IResult> AnswerAsync(Func<Task<IResult>> work, CancellationToken cancellationToken)
    {
        try
        {
            return await work();
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogStorageUnavailable(logger, ex);
            return ApiProblems.StorageUnavailable();
        }
    }

    /// <summary>A result with a <c>Location</c> header.</summary>
    private sealed class LocatedResult(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return inner.ExecuteAsync(httpContext);
        }
    }

    [LoggerMessage(EventId = 9407, Level = LogLevel.Warning, Message = "Storage unavailable while handling a webhook subscription request")]
    private static partial void LogStorageUnavailable(ILogger logger, Exception exception);
}
