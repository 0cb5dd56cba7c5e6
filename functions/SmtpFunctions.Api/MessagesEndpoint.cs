using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using SmtpFunctions.Api.Authentication;
using SmtpFunctions.Core.Buffers;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Api;

/// <summary>
/// <c>POST /api/messages</c> and <c>GET /api/messages/{id}</c>: turns HTTP into a Core call and the result back into HTTP.
/// Both the function app and the local host route to these two methods, so they cannot answer differently.
/// </summary>
public sealed partial class MessagesEndpoint(
    SubmissionService submission,
    SubmissionAdmission admission,
    StatusStore status,
    IApiAuthenticator authenticator,
    ApiKeyVerifier keys,
    KeyRateLimiter rateLimiter,
    IOptions<SubmissionOptions> options,
    ILogger<MessagesEndpoint> logger)
{
    /// <summary>Header carrying the caller's idempotency key.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Header set on an answer replayed for a repeated idempotency key.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>Handles a submission.</summary>
    public async Task<IResult> SubmitAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authentication = await authenticator.AuthenticateAsync(request, ApiScopes.Send, cancellationToken);
        if (authentication.Refusal is { } refusal)
        {
            return refusal;
        }

        var caller = authentication.Caller!;
        if (await RateLimitAsync(caller, cancellationToken) is { } limited)
        {
            return limited;
        }

        if (!TryGetSource(request.ContentType, out var source))
        {
            return ApiProblems.UnsupportedMediaType(request.ContentType);
        }

        var limit = BodyLimit(source);
        if (request.ContentLength > limit)
        {
            return TooLarge(request, limit);
        }

        RequestBodyReader.AllowDrain(request, limit);
        // Admitted by its declared length before a byte is read; a body of unknown length as it arrives.
        using var lease = admission.TryAdmit(request.ContentLength ?? 0);
        if (lease is null)
        {
            return Busy(source);
        }

        using var body = MessageBuffers.Rent("http-body");
        switch (await RequestBodyReader.ReadAsync(request, limit, lease, body, cancellationToken))
        {
            case RequestBodyReader.Outcome.TooLarge:
                return TooLarge(request, limit);
            case RequestBodyReader.Outcome.Busy:
                return Busy(source);
        }

        var octets = body.GetReadOnlySequence();
        var outcome = await submission.SubmitAsync(new SubmissionRequest
        {
            TenantId = caller.TenantId,
            AllowedSenderDomains = caller.AllowedSenderDomains,
            Source = source,
            // The submission releases the body as soon as it is done with it, so it does not sit beside the stored copy.
            Payload = source == SubmissionSource.HttpJson ? new JsonPayload(octets) { Owner = body } : new MimePayload(octets) { Owner = body },
            IdempotencyKey = request.Headers.TryGetValue(IdempotencyKeyHeader, out var key) ? key.ToString() : null,
            Client = HttpClientDetails.Of(request),
        }, cancellationToken);

        if (outcome.Receipt is not { } receipt)
        {
            return ApiProblems.From(outcome.Error!);
        }

        if (receipt.Replayed)
        {
            request.HttpContext.Response.Headers[ReplayedHeader] = "true";
        }

        return Results.Json(receipt, statusCode: StatusCodes.Status202Accepted, contentType: "application/json")
            .WithLocation(LocationOf(request, receipt.MessageId));
    }

    /// <summary>Handles a status query.</summary>
    public async Task<IResult> GetAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var authentication = await authenticator.AuthenticateAsync(request, ApiScopes.Read, cancellationToken);
        if (authentication.Refusal is { } refusal)
        {
            return refusal;
        }

        if (!MessageIds.IsWellFormed(id))
        {
            return ApiProblems.MessageNotFound(id);
        }

        try
        {
            var view = await status.GetViewAsync(authentication.Caller!.TenantId, id, cancellationToken);
            return view is null ? ApiProblems.MessageNotFound(id) : Results.Json(view, contentType: "application/json");
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogStatusUnavailable(logger, id, ex);
            return ApiProblems.StorageUnavailable();
        }
    }

    // Counted per submission attempt, before the body is read: a refusal costs the client nothing to send.
    private async Task<IResult?> RateLimitAsync(Caller caller, CancellationToken cancellationToken)
    {
        if (caller.KeyId is not { } keyId)
        {
            return null;
        }

        try
        {
            if (await keys.GetAsync(keyId, cancellationToken) is not { RateLimitPerMinute: { } limit })
            {
                return null;
            }

            var decision = await rateLimiter.TryTakeAsync(keyId, limit, cancellationToken);
            return decision.Allowed ? null : ApiProblems.RateLimited(limit, decision.RetryAfter);
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogRateLimitUnavailable(logger, keyId, ex);
            return ApiProblems.StorageUnavailable();
        }
    }

    private IResult TooLarge(HttpRequest request, long limit) =>
        ApiProblems.From(SubmissionError.TooLarge(request.ContentLength ?? limit + 1, options.Value.MaxMessageBytes) with
        {
            Detail = $"The request body exceeds {limit} octets, more than a message of {options.Value.MaxMessageBytes} octets can need.",
        });

    private IResult Busy(SubmissionSource source)
    {
        admission.CountRefusal(source);
        LogBusy(logger, admission.InFlight, admission.Limit);
        return ApiProblems.Busy(admission.Limit);
    }

    private long BodyLimit(SubmissionSource source)
    {
        var max = options.Value.MaxMessageBytes;
        // JSON carries attachments in base64 (4/3 of the bytes) plus field overhead; MIME is already encoded.
        return source == SubmissionSource.HttpJson ? (max * 4 / 3) + (1024 * 1024) : max + (64 * 1024);
    }

    private static bool TryGetSource(string? contentType, out SubmissionSource source)
    {
        source = default;
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return false;
        }

        if (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            var charset = media.Charset.HasValue ? media.Charset.Value : "utf-8";
            source = SubmissionSource.HttpJson;
            return string.Equals(charset, "utf-8", StringComparison.OrdinalIgnoreCase);
        }

        if (media.MediaType.Equals("message/rfc822", StringComparison.OrdinalIgnoreCase))
        {
            source = SubmissionSource.HttpMime;
            return true;
        }

        return false;
    }

    private static string LocationOf(HttpRequest request, string id) => $"{request.PathBase}/api/messages/{id}";

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "Submission refused as busy: {InFlight} request octets in flight, limit {Limit} (Submission:MaxBytesInFlight)")]
    private static partial void LogBusy(ILogger logger, long inFlight, long limit);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Storage unavailable while taking rate-limit allowance of API key {KeyId}")]
    private static partial void LogRateLimitUnavailable(ILogger logger, string keyId, Exception exception);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Storage unavailable while reading status of {MessageId}")]
    private static partial void LogStatusUnavailable(ILogger logger, string messageId, Exception exception);
}
