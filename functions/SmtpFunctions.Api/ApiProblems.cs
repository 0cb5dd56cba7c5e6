using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Api;

/// <summary>RFC 9457 problem details for every error the HTTP API returns, naming the field at fault.</summary>
public static class ApiProblems
{
    /// <summary>Media type of problem responses.</summary>
    public const string ContentType = "application/problem+json";

    /// <summary>Prefix of the <c>type</c> URIs; the problem kinds are documented in openapi.json.</summary>
    public const string TypePrefix = "urn:smtpfunctions:problem:";

    /// <summary>The HTTP status a submission error maps to.</summary>
    public static int StatusFor(SubmissionErrorKind kind) => kind switch
    {
        SubmissionErrorKind.Invalid => StatusCodes.Status400BadRequest,
        SubmissionErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        SubmissionErrorKind.IdempotencyConflict => StatusCodes.Status409Conflict,
        SubmissionErrorKind.SenderNotAllowed => StatusCodes.Status403Forbidden,
        SubmissionErrorKind.DomainNotVerified => StatusCodes.Status403Forbidden,
        SubmissionErrorKind.StorageUnavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The problem for a refused submission.</summary>
    public static IResult From(SubmissionError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var kind = error.Kind switch
        {
            SubmissionErrorKind.Invalid => "invalid-message",
            SubmissionErrorKind.TooLarge => "message-too-large",
            SubmissionErrorKind.IdempotencyConflict => "idempotency-conflict",
            SubmissionErrorKind.SenderNotAllowed => "sender-not-allowed",
            SubmissionErrorKind.DomainNotVerified => "domain-not-verified",
            SubmissionErrorKind.StorageUnavailable => "storage-unavailable",
            _ => "error",
        };
        return Create(StatusFor(error.Kind), kind, error.Title, error.Detail, error.Errors);
    }

    /// <summary>A problem with one field at fault (or none).</summary>
    public static IResult Create(int status, string kind, string title, string detail, IReadOnlyList<FieldError>? errors = null) =>
        new ProblemResult(Details(status, kind, title, detail, errors));

    /// <summary>429 when a key has sent its messages per minute; Retry-After says when the next minute starts.</summary>
    public static IResult RateLimited(int limitPerMinute, TimeSpan retryAfter) => new ProblemResult(
        Details(StatusCodes.Status429TooManyRequests, "rate-limited", "Rate limit reached",
            $"This API key may submit {limitPerMinute} messages per minute and has; nothing was accepted. Retry after the number of seconds in Retry-After.",
            [new FieldError("Authorization", $"rate limit of {limitPerMinute} per minute reached")]),
        Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)));

    private static ProblemDetails Details(int status, string kind, string title, string detail, IReadOnlyList<FieldError>? errors)
    {
        var problem = new ProblemDetails
        {
            Type = TypePrefix + kind,
            Title = title,
            Status = status,
            Detail = detail,
        };
        if (errors is { Count: > 0 })
        {
            problem.Extensions["field"] = errors[0].Field;
            problem.Extensions["errors"] = errors.Select(e => new Dictionary<string, string> { ["field"] = e.Field, ["detail"] = e.Detail }).ToList();
        }

        return problem;
    }

    /// <summary>404 for an unknown message id.</summary>
    public static IResult MessageNotFound(string id) => Create(StatusCodes.Status404NotFound, "not-found", "Message not found",
        $"No message with id '{id}' exists.", [new FieldError("id", "unknown message id")]);

    /// <summary>415 for a body that is neither JSON nor MIME.</summary>
    public static IResult UnsupportedMediaType(string? contentType) => Create(StatusCodes.Status415UnsupportedMediaType,
        "unsupported-media-type", "Unsupported media type",
        $"Content-Type '{contentType ?? "(none)"}' is not accepted; send application/json or message/rfc822.",
        [new FieldError("Content-Type", "must be application/json or message/rfc822")]);

    /// <summary>
    /// 415 from an endpoint that takes a JSON body only (keys, domains, suppressions), when <paramref name="request"/>'s
    /// Content-Type is not JSON; null when it is.
    /// </summary>
    public static IResult? JsonRequired(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return (request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            ? null
            : Create(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
                $"Content-Type '{request.ContentType ?? "(none)"}' is not accepted; send application/json.",
                [new FieldError("Content-Type", "must be application/json")]);
    }

    /// <summary>503 when the door holds as many request octets as it may (<c>Submission:MaxBytesInFlight</c>).</summary>
    public static IResult Busy(long limit) => Create(StatusCodes.Status503ServiceUnavailable, "busy",
        "Too many submissions in progress",
        $"This instance is already processing {limit} octets of submissions, its limit; nothing was read or accepted. Retry after the number of seconds in Retry-After.",
        [new FieldError("body", "not admitted: too many octets in flight")]);

    /// <summary>503 for a read or a lift while storage is unreachable (a submission's 503 comes from its <see cref="SubmissionError"/>).</summary>
    public static IResult StorageUnavailable() => Create(StatusCodes.Status503ServiceUnavailable, "storage-unavailable",
        "Storage is unavailable", "Storage could not be reached, so nothing was read or changed; retry later.", []);
}
