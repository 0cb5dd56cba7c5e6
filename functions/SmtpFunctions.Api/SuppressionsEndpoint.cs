using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Api.Authentication;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Core.Suppression;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Api;

/// <summary>
/// <c>GET /api/suppressions</c> (<c>?address=</c> for one address), <c>DELETE /api/suppressions?address=</c>, and the
/// path forms <c>GET</c>/<c>DELETE /api/suppressions/{address}</c>: inspect the suppression list and lift entries.
/// Both hosts route to these methods.
/// </summary>
/// <remarks>
/// <para>
/// The query form is the one that works everywhere: the Azure Functions host decodes a request's path and encodes it
/// again before the worker sees it, so a <c>%2F</c> in a path segment arrives as a <c>/</c> and the route no longer
/// matches; a query string is passed through untouched. Its value is percent-decoded once as RFC 3986 has it, with
/// <c>+</c> taken as a plus (plus-addressing is common, a space in an address is not): send a space as <c>%20</c>.
/// </para>
/// <para>
/// The path form is one path segment, percent-encoded as RFC 3986 §3.3 has it (JavaScript's <c>encodeURIComponent</c>):
/// <c>/</c> must be sent as <c>%2F</c> and <c>%</c> as <c>%25</c>; <c>@</c> and <c>+</c> may be sent as they are (in a path
/// <c>+</c> is a plus, never a space); non-ASCII characters as percent-encoded UTF-8. The domain may be given as U-label
/// or A-label, and case does not matter. The segment is decoded exactly once from the raw request target, because
/// ASP.NET Core leaves <c>%2F</c> encoded in the path it decodes and so cannot tell <c>%2F</c> from <c>%252F</c>.
/// </para>
/// </remarks>
public sealed partial class SuppressionsEndpoint(
    ISuppressionStore store, SuppressionList suppressions, IApiAuthenticator authenticator, ILogger<SuppressionsEndpoint> logger)
{
    /// <summary>Page size when the request names none.</summary>
    public const int DefaultPageSize = 100;

    /// <summary>Query parameter naming one address.</summary>
    public const string AddressParameter = "address";

    /// <summary>Largest body <c>POST /api/suppressions</c> reads.</summary>
    public const int MaxBodyBytes = 4096;

    /// <summary>Longest reason a person may give.</summary>
    public const int MaxReasonLength = 500;

    private const string RoutePrefix = "/suppressions/";

    private static readonly JsonSerializerOptions BodyJson = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    /// <summary>
    /// Lists entries, a page at a time: <c>?domain=&amp;pageSize=&amp;continuationToken=</c>; or, with <c>?address=</c>,
    /// the one entry of that address (a list of one, or of none when it is not suppressed).
    /// </summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (list, refusal) = await AuthenticateAsync(request, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var query = request.Query;
        if (query.ContainsKey(AddressParameter))
        {
            if (query.Count > 1)
            {
                return InvalidQuery(AddressParameter, "address cannot be combined with domain, pageSize or continuationToken.");
            }

            if (!TryGetQueryKey(request, out var addressKey, out var addressProblem))
            {
                return addressProblem!;
            }

            return await AnswerAsync(async () =>
            {
                var entry = await suppressions.GetAsync(addressKey!.In(list), cancellationToken);
                return Results.Json(
                    new SuppressionListView { Suppressions = entry is null ? [] : [SuppressionView.From(entry)] },
                    contentType: "application/json");
            }, cancellationToken);
        }

        string? domain = null;
        if (query.TryGetValue("domain", out var domainValue) && !SuppressionKey.TryParseDomain(domainValue.ToString(), out domain))
        {
            return InvalidQuery("domain", $"'{domainValue}' is not a domain name.");
        }

        var pageSize = DefaultPageSize;
        if (query.TryGetValue("pageSize", out var sizeValue)
            && (!int.TryParse(sizeValue.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize < 1 || pageSize > SuppressionStore.MaxPageSize))
        {
            return InvalidQuery("pageSize", $"pageSize must be a whole number from 1 to {SuppressionStore.MaxPageSize}.");
        }

        string? token = null;
        if (query.TryGetValue("continuationToken", out var tokenValue))
        {
            token = tokenValue.ToString();
            if (!SuppressionStore.IsContinuationToken(token))
            {
                return InvalidQuery("continuationToken", "continuationToken must be a value a previous page returned.");
            }
        }

        return await AnswerAsync(async () =>
        {
            var page = await store.ListAsync(list, domain, pageSize, token, cancellationToken);
            return Results.Json(
                new SuppressionListView { Suppressions = page.Entries.Select(SuppressionView.From).ToList(), ContinuationToken = page.ContinuationToken },
                contentType: "application/json");
        }, cancellationToken);
    }

    /// <summary>One entry, or 404.</summary>
    public async Task<IResult> GetAsync(HttpRequest request, string address, CancellationToken cancellationToken)
    {
        var (list, refusal) = await AuthenticateAsync(request, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!TryGetKey(request, address, out var key, out var problem))
        {
            return problem!;
        }

        return await AnswerAsync(async () => await suppressions.GetAsync(key!.In(list), cancellationToken) is { } entry
            ? Results.Json(SuppressionView.From(entry), contentType: "application/json")
            : NotFound(key!), cancellationToken);
    }

    /// <summary>Lifts an entry: 204, or 404 when the address was not suppressed.</summary>
    public async Task<IResult> DeleteAsync(HttpRequest request, string address, CancellationToken cancellationToken)
    {
        var (list, refusal) = await AuthenticateAsync(request, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!TryGetKey(request, address, out var key, out var problem))
        {
            return problem!;
        }

        return await AnswerAsync(() => LiftAsync(key!.In(list), cancellationToken), cancellationToken);
    }

    /// <summary>Lifts the entry named by <c>?address=</c>: 204, or 404 when the address was not suppressed.</summary>
    public async Task<IResult> DeleteByQueryAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (list, refusal) = await AuthenticateAsync(request, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!TryGetQueryKey(request, out var key, out var problem))
        {
            return problem!;
        }

        return await AnswerAsync(() => LiftAsync(key!.In(list), cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Suppresses an address on the caller's list by hand (an unsubscribe, a complaint, an address known to be wrong):
    /// <c>{"address": "…", "reason": "…"}</c>. 201 with the entry; 200 with the entry that stands when the address is
    /// already on the list (the first cause is kept). Mail to it stops at once on this instance and everywhere within
    /// <c>Suppression:CacheTtl</c>.
    /// </summary>
    public async Task<IResult> AddAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (list, refusal) = await AuthenticateAsync(request, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return InvalidBody("body", $"at most {MaxBodyBytes} octets");
        }

        if (ApiProblems.JsonRequired(request) is { } notJson)
        {
            return notJson;
        }

        // Read at most one octet past the limit: a chunked body names no length up front.
        var buffer = new byte[MaxBodyBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        if (length > MaxBodyBytes)
        {
            return InvalidBody("body", $"at most {MaxBodyBytes} octets");
        }

        AddSuppressionRequest? body;
        try
        {
            body = JsonSerializer.Deserialize<AddSuppressionRequest>(buffer.AsSpan(0, length), BodyJson);
        }
        catch (JsonException ex)
        {
            return InvalidBody(ex.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "body", "not valid JSON for a suppression: " + ex.Message);
        }

        if (body is null)
        {
            return InvalidBody("body", "a JSON object is required");
        }

        if (!SuppressionKey.TryParse(body.Address, out var key, out var reason))
        {
            return InvalidBody(AddressParameter, reason ?? "not an address");
        }

        var text = body.Reason ?? "";
        if (text.Length > MaxReasonLength || text.Any(char.IsControl))
        {
            return InvalidBody("reason", $"at most {MaxReasonLength} characters, none of them control characters");
        }

        return await AnswerAsync(async () =>
        {
            var (entry, created) = await suppressions.AddManuallyAsync(key!.In(list), SuppressionSources.Api, text, cancellationToken);
            var view = SuppressionView.From(entry);
            return created
                ? Results.Created($"/api/suppressions?{AddressParameter}={Uri.EscapeDataString(entry.Address)}", view)
                : Results.Json(view, contentType: "application/json");
        }, cancellationToken);
    }

    /// <summary>
    /// The <c>address</c> query parameter decoded once from the raw query string, <c>+</c> kept as a plus; null when it
    /// is absent, given twice, or not well-formed percent-encoding.
    /// </summary>
    internal static string? QueryAddressOf(HttpRequest request)
    {
        var raw = request.QueryString.HasValue ? request.QueryString.Value! : "";
        string? found = null;
        foreach (var pair in raw.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? pair : pair[..equals];
            if (!string.Equals(Unescape(name), AddressParameter, StringComparison.Ordinal))
            {
                continue;
            }

            if (found is not null)
            {
                return null;
            }

            found = equals < 0 ? "" : Unescape(pair[(equals + 1)..]);
            if (found is null)
            {
                return null;
            }
        }

        return found;

        static string? Unescape(string value)
        {
            try
            {
                return Uri.UnescapeDataString(value);
            }
            catch (UriFormatException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// The address of the request: the last segment of the raw target decoded once, or (where a host gives no raw target)
    /// the route value, whose only encoded character left is the slash.
    /// </summary>
    internal static string AddressOf(HttpRequest request, string routeValue)
    {
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is { Length: > 0 } && raw[0] == '/')
        {
            var path = raw.Split('?', 2)[0];
            var slash = path.LastIndexOf('/');
            if (slash >= 0 && path[..(slash + 1)].EndsWith(RoutePrefix, StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    return Uri.UnescapeDataString(path[(slash + 1)..]);
                }
                catch (UriFormatException)
                {
                    // Not a well-formed segment: fall back to what the router made of it.
                }
            }
        }

        return routeValue.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
    }

    private static bool TryGetKey(HttpRequest request, string routeValue, out SuppressionKey? key, out IResult? problem)
    {
        ArgumentNullException.ThrowIfNull(request);
        return TryParseKey(AddressOf(request, routeValue ?? ""), "The path must end with one percent-encoded email address", out key, out problem);
    }

    private static bool TryGetQueryKey(HttpRequest request, out SuppressionKey? key, out IResult? problem)
    {
        ArgumentNullException.ThrowIfNull(request);
        var address = QueryAddressOf(request);
        if (address is null)
        {
            key = null;
            problem = ApiProblems.Create(StatusCodes.Status400BadRequest, "invalid-address", "Invalid address",
                "The query must name one percent-encoded email address: ?address=…", [new FieldError(AddressParameter, "missing, repeated or badly encoded")]);
            return false;
        }

        return TryParseKey(address, "The address parameter must be one percent-encoded email address", out key, out problem);
    }

    private static bool TryParseKey(string address, string rule, out SuppressionKey? key, out IResult? problem)
    {
        if (SuppressionKey.TryParse(address, out key, out var reason))
        {
            problem = null;
            return true;
        }

        problem = ApiProblems.Create(StatusCodes.Status400BadRequest, "invalid-address", "Invalid address",
            $"{rule}: {reason}.", [new FieldError(AddressParameter, reason ?? "not an address")]);
        return false;
    }

    // The caller's own list (each tenant has one; the global list is the operator's, read here but never changed).
    private async Task<(string List, IResult? Refusal)> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var authentication = await authenticator.AuthenticateAsync(request, ApiScopes.Suppressions, cancellationToken);
        return authentication.Caller is { } caller ? (SuppressionLists.For(caller.TenantId), null) : ("", authentication.Refusal);
    }

    private async Task<IResult> LiftAsync(SuppressionKey key, CancellationToken cancellationToken)
    {
        if (await suppressions.LiftAsync(key, cancellationToken))
        {
            return Results.NoContent();
        }

        return await store.GetAsync(key.In(SuppressionLists.Global), cancellationToken) is null
            ? NotFound(key)
            : ApiProblems.Create(StatusCodes.Status409Conflict, "suppressed-globally", "Suppressed by the operator",
                $"'{key.Address}' is on the operator's global suppression list, which applies to every tenant; only the operator can lift it.",
                [new FieldError(AddressParameter, "on the global list")]);
    }

    private async Task<IResult> AnswerAsync(Func<Task<IResult>> read, CancellationToken cancellationToken)
    {
        try
        {
            return await read();
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogStorageUnavailable(logger, ex);
            return ApiProblems.StorageUnavailable();
        }
    }

    private static IResult NotFound(SuppressionKey key) => ApiProblems.Create(StatusCodes.Status404NotFound, "not-found", "Address not suppressed",
        $"'{key.Address}' is not on the suppression list.", [new FieldError("address", "not suppressed")]);

    private static IResult InvalidBody(string field, string detail) =>
        ApiProblems.Create(StatusCodes.Status400BadRequest, "invalid-request", "Invalid suppression", detail, [new FieldError(field, detail)]);

    private static IResult InvalidQuery(string field, string detail) =>
        ApiProblems.Create(StatusCodes.Status400BadRequest, "invalid-query", "Invalid query parameter", detail, [new FieldError(field, detail)]);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "Storage unavailable while reading or changing the suppression list")]
    private static partial void LogStorageUnavailable(ILogger logger, Exception exception);
}

/// <summary>The body of <c>POST /api/suppressions</c>.</summary>
/// <param name="Address">The address to suppress (U-label or A-label domain).</param>
/// <param name="Reason">Why, in a person's words; shown in the entry and in a suppressed recipient's status.</param>
public sealed record AddSuppressionRequest(
    [property: JsonPropertyName("address")] string? Address,
    [property: JsonPropertyName("reason")] string? Reason);
