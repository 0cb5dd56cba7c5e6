using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Api.Authentication;
using SmtpFunctions.Core.Dkim;
using SmtpFunctions.Core.Domains;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Api;

/// <summary>
/// <c>/api/domains</c>: a tenant's sending domains. <c>POST</c> registers one and answers the records to publish,
/// <c>POST /api/domains/{domain}/verify</c> looks them up, <c>GET</c> lists or shows, <c>DELETE</c> removes a domain and
/// its keys. Writes need the <c>admin</c> scope, reads <c>read</c> or <c>admin</c>. Both hosts route to these methods.
/// </summary>
public sealed partial class DomainsEndpoint(
    IApiAuthenticator authenticator,
    SendingDomainStore store,
    DomainRegistrar registrar,
    DomainVerifier verifier,
    IOptions<DomainOptions> options,
    ILogger<DomainsEndpoint> logger)
{
    /// <summary>Largest registration body read (it is one small JSON object).</summary>
    public const int MaxBodyBytes = 4096;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The tenant's domains.</summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (caller, refusal) = await ReaderAsync(request, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        return await AnswerAsync(async () =>
        {
            var rows = await store.ListAsync(caller!.TenantId, cancellationToken);
            return Results.Json(new { domains = rows.Select(View).ToList() }, Json, "application/json");
        }, cancellationToken);
    }

    /// <summary>One domain, or 404.</summary>
    public async Task<IResult> GetAsync(HttpRequest request, string domain, CancellationToken cancellationToken)
    {
        var (caller, refusal) = await ReaderAsync(request, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (DkimNames.NormalizeDomain(domain) is not { } name)
        {
            return InvalidDomain(domain);
        }

        return await AnswerAsync(async () => await store.GetAsync(caller!.TenantId, name, cancellationToken) is { } row
            ? Results.Json(View(row), Json, "application/json")
            : NotFound(name), cancellationToken);
    }

    /// <summary>Registers <c>{"domain": "…"}</c>: 201 with the records to publish, or 200 with the existing registration.</summary>
    public async Task<IResult> RegisterAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authentication = await authenticator.AuthenticateAsync(request, ApiScopes.Admin, cancellationToken);
        if (authentication.Refusal is { } refusal)
        {
            return refusal;
        }

        if (ApiProblems.JsonRequired(request) is { } notJson)
        {
            return notJson;
        }

        string? name;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken);
            if (buffer.Length > MaxBodyBytes)
            {
                return InvalidBody($"The body is larger than {MaxBodyBytes} octets.");
            }

            using var document = JsonDocument.Parse(buffer.ToArray());
            name = document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("domain", out var value) && value.ValueKind == JsonValueKind.String
                    ? value.GetString()
                    : null;
        }
        catch (JsonException ex)
        {
            return InvalidBody($"The body is not JSON: {ex.Message}");
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            return InvalidBody("The body must be a JSON object with a string 'domain'.");
        }

        var caller = authentication.Caller!;
        return await AnswerAsync(async () =>
        {
            var registration = await registrar.RegisterAsync(caller.TenantId, name, cancellationToken);
            if (registration.Problem is { } problem)
            {
                return ApiProblems.Create(StatusCodes.Status400BadRequest, "invalid-domain", "Invalid domain", problem, [new FieldError("domain", problem)]);
            }

            var view = View(registration.Domain!);
            return registration.Created
                ? Results.Created($"/api/domains/{view.Domain}", view)
                : Results.Json(view, Json, "application/json");
        }, cancellationToken);
    }

    /// <summary>Looks the domain's records up now: 200 with its state (<c>verified</c>, or <c>pending</c> and the reason), or 404.</summary>
    public async Task<IResult> VerifyAsync(HttpRequest request, string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authentication = await authenticator.AuthenticateAsync(request, ApiScopes.Admin, cancellationToken);
        if (authentication.Refusal is { } refusal)
        {
            return refusal;
        }

        if (DkimNames.NormalizeDomain(domain) is not { } name)
        {
            return InvalidDomain(domain);
        }

        return await AnswerAsync(async () => await verifier.VerifyAsync(authentication.Caller!.TenantId, name, cancellationToken) is { } row
            ? Results.Json(View(row), Json, "application/json")
            : NotFound(name), cancellationToken);
    }

    /// <summary>Removes the domain, its claim and its keys: 204, or 404.</summary>
    public async Task<IResult> DeleteAsync(HttpRequest request, string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authentication = await authenticator.AuthenticateAsync(request, ApiScopes.Admin, cancellationToken);
        if (authentication.Refusal is { } refusal)
        {
            return refusal;
        }

        if (DkimNames.NormalizeDomain(domain) is not { } name)
        {
            return InvalidDomain(domain);
        }

        return await AnswerAsync(async () => await registrar.DeleteAsync(authentication.Caller!.TenantId, name, cancellationToken)
            ? Results.NoContent()
            : NotFound(name), cancellationToken);
    }

    // Reads are open to read keys and admin keys alike: authenticated first (a bad key is the authenticator's 401), then
    // either scope will do.
    private async Task<(Caller? Caller, IResult? Refusal)> ReaderAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authentication = await authenticator.AuthenticateAsync(request, ApiScopes.None, cancellationToken);
        if (authentication.Refusal is { } refusal)
        {
            return (null, refusal);
        }

        var caller = authentication.Caller!;
        return caller.Has(ApiScopes.Read) || caller.Has(ApiScopes.Admin)
            ? (caller, null)
            : (null, ApiProblems.Create(StatusCodes.Status403Forbidden, "insufficient-scope", "Insufficient scope",
                "This key may not read sending domains; it needs the read or admin scope.", [new FieldError("scope", "read or admin required")]));
    }

    private SendingDomainView View(SendingDomainEntity row) => SendingDomainView.From(row, options.Value);

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

    private static IResult NotFound(string domain) => ApiProblems.Create(StatusCodes.Status404NotFound, "not-found", "Domain not found",
        $"This tenant has no sending domain '{domain}'.", [new FieldError("domain", "not registered by this tenant")]);

    private static IResult InvalidDomain(string domain) => ApiProblems.Create(StatusCodes.Status400BadRequest, "invalid-domain", "Invalid domain",
        $"'{domain}' is not a domain name.", [new FieldError("domain", "not a domain name")]);

    private static IResult InvalidBody(string detail) => ApiProblems.Create(StatusCodes.Status400BadRequest, "invalid-body", "Invalid request body",
        detail, [new FieldError("body", detail)]);

    [LoggerMessage(EventId = 9506, Level = LogLevel.Warning, Message = "Storage unavailable while reading or changing sending domains")]
    private static partial void LogStorageUnavailable(ILogger logger, Exception exception);
}
