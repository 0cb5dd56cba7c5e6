using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Core.Suppression;
using SmtpFunctions.Core.Tenants;
using SmtpFunctions.Api.Keys;

namespace SmtpFunctions.LocalHost.Tests.Api;

/// <summary>The OpenAPI document says what the API really does: routes, fields and status codes, checked against live answers.</summary>
public class OpenApiConformanceTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    private const string Valid = "{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"x\"}";

    [Fact]
    public async Task Document_IsServedWithoutKey()
    {
        using var client = new HttpClient { BaseAddress = host.Client.BaseAddress };

        using var response = await client.GetAsync("/api/openapi.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Document_ListsExactlyTheRoutesTheHostServes()
    {
        var document = await DocumentAsync();
        var documented = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(op => op.Name is "get" or "put" or "post" or "delete" or "patch" or "head" or "options")
                .Select(op => $"{op.Name.ToUpperInvariant()} /api{path.Name}"))
            .Order().ToArray();

        Assert.Equal(
            ["DELETE /api/domains/{domain}", "DELETE /api/keys/{id}", "DELETE /api/suppressions", "DELETE /api/suppressions/{address}", "DELETE /api/webhooks/{id}",
             "GET /api/domains", "GET /api/domains/{domain}", "GET /api/keys", "GET /api/messages/{id}", "GET /api/openapi.json", "GET /api/suppressions", "GET /api/suppressions/{address}", "GET /api/webhooks",
             "GET /api/webhooks/{id}", "POST /api/domains", "POST /api/domains/{domain}/verify", "POST /api/keys", "POST /api/messages", "POST /api/suppressions", "POST /api/webhooks", "POST /api/webhooks/{id}/replay"],
            documented.Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await host.Client.DeleteAsync("/api/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await host.Client.PutAsync("/api/suppressions", null)).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await host.Client.PostAsync("/api/suppressions/a%40b.example", null)).StatusCode);
    }

    [Fact]
    public async Task RequestSchemas_MatchTheJsonTheApiAccepts()
    {
        var document = await DocumentAsync();

        Assert.Equal(JsonNames(typeof(JsonMessageRequest)), SchemaProperties(document, "MessageRequest"));
        Assert.Equal(JsonNames(typeof(JsonAttachment)), SchemaProperties(document, "Attachment"));
        Assert.Equal(JsonNames(typeof(CreateKeyRequest)), SchemaProperties(document, "KeyRequest"));
        Assert.Equal(JsonNames(typeof(SmtpFunctions.Api.AddSuppressionRequest)), SchemaProperties(document, "AddSuppressionRequest"));
    }

    [Fact]
    public async Task ResponseSchemas_MatchTheTypesTheApiSends()
    {
        var document = await DocumentAsync();

        Assert.Equal(JsonNames(typeof(SubmissionReceipt)), SchemaProperties(document, "SubmissionReceipt"));
        Assert.Equal(JsonNames(typeof(MessageStatusView)), SchemaProperties(document, "MessageStatus"));
        Assert.Equal(JsonNames(typeof(RecipientStatusView)), SchemaProperties(document, "RecipientStatus"));
        Assert.Equal(JsonNames(typeof(SuppressionListView)), SchemaProperties(document, "SuppressionList"));
        Assert.Equal(JsonNames(typeof(SuppressionView)), SchemaProperties(document, "Suppression"));
        Assert.Equal(JsonNames(typeof(SuppressionReasonView)), SchemaProperties(document, "SuppressionReason"));
        Assert.Equal(JsonNames(typeof(ApiKeyView)), SchemaProperties(document, "Key"));
        Assert.Equal(["keys"], SchemaProperties(document, "KeyList"));
    }

    [Fact]
    public async Task EveryDocumentedStatusCode_IsWhatTheApiAnswers_AndNoOther()
    {
        var document = await DocumentAsync();
        var key = "openapi-" + Guid.NewGuid();
        using (var first = await SendAsync(HttpMethod.Post, "/api/messages", Valid, "application/json", key))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        var id = MessageIds.ForIdempotencyKey(key);
        // Keys of the default tenant (requests without a key are that tenant here): one lacking every scope the
        // operations need but admin, one lacking admin, one that may send once a minute.
        var noScope = await CreateKeyAsync("admin");
        var noAdmin = await CreateKeyAsync("send,read,suppressions");
        var once = await CreateKeyAsync("send", "--rate-limit", "1");
        var post = new Dictionary<int, Func<Task<HttpResponseMessage>>>
        {
            [202] = () => SendAsync(HttpMethod.Post, "/api/messages", Valid, "application/json"),
            [400] = () => SendAsync(HttpMethod.Post, "/api/messages", "{}", "application/json"),
            [401] = () => SendAsync(HttpMethod.Post, "/api/messages", Valid, "application/json", withKey: false),
            [403] = () => SendAsync(HttpMethod.Post, "/api/messages", Valid, "application/json", bearer: noScope),
            [429] = () => SecondOfTwoAsync(() => SendAsync(HttpMethod.Post, "/api/messages", Valid, "application/json", bearer: once)),
            [409] = () => SendAsync(HttpMethod.Post, "/api/messages", Valid.Replace("\"x\"", "\"y\"", StringComparison.Ordinal), "application/json", key),
            [413] = () => SendAsync(HttpMethod.Post, "/api/messages", new string('a', (int)(LocalHostFixture.MaxMessageBytes * 2)), "message/rfc822"),
            [415] = () => SendAsync(HttpMethod.Post, "/api/messages", Valid, "text/plain"),
            [503] = () => WithStorageDownAsync(() => SendAsync(HttpMethod.Post, "/api/messages", Valid, "application/json")),
        };
        var get = new Dictionary<int, Func<Task<HttpResponseMessage>>>
        {
            [200] = () => SendAsync(HttpMethod.Get, $"/api/messages/{id}"),
            [401] = () => SendAsync(HttpMethod.Get, $"/api/messages/{id}", withKey: false),
            [403] = () => SendAsync(HttpMethod.Get, $"/api/messages/{id}", bearer: noScope),
            [404] = () => SendAsync(HttpMethod.Get, "/api/messages/01m8j01vmaatx2gphqhz6sc4f1"),
            [503] = () => WithStorageDownAsync(() => SendAsync(HttpMethod.Get, $"/api/messages/{id}")),
        };

        var suppressions = host.Services.GetRequiredService<SuppressionList>();
        foreach (var address in new[] { "listed@openapi.example", "lifted@openapi.example", "lifted-by-query@openapi.example" })
        {
            await suppressions.AddAsync(TenantIds.Default, address, FailureClassifier.FromReply(550, "5.1.1 User unknown"), id, null, default);
        }

        await suppressions.AddManuallyAsync(SuppressionKey.ForEnvelope("global@openapi.example", SuppressionLists.Global), SuppressionSources.Operator, "operator's", default);
        var addSuppression = new Dictionary<int, Func<Task<HttpResponseMessage>>>
        {
            [201] = () => SendAsync(HttpMethod.Post, "/api/suppressions", "{\"address\":\"added@openapi.example\",\"reason\":\"unsubscribed\"}", "application/json"),
            [200] = () => SendAsync(HttpMethod.Post, "/api/suppressions", "{\"address\":\"listed@openapi.example\"}", "application/json"),
            [400] = () => SendAsync(HttpMethod.Post, "/api/suppressions", "{\"address\":\"not-an-address\"}", "application/json"),
            [401] = () => SendAsync(HttpMethod.Post, "/api/suppressions", "{}", "application/json", withKey: false),
            [403] = () => SendAsync(HttpMethod.Post, "/api/suppressions", "{}", "application/json", bearer: noScope),
            [415] = () => SendAsync(HttpMethod.Post, "/api/suppressions", "{}", "text/plain"),
            [503] = () => WithStorageDownAsync(() => SendAsync(HttpMethod.Post, "/api/suppressions", "{\"address\":\"down@openapi.example\"}", "application/json")),
        };

        var list = new Dictionary<int, Func<Task<HttpResponseMessage>>>
        {
            [200] = () => SendAsync(HttpMethod.Get, "/api/suppressions?pageSize=1"),
            [400] = () => SendAsync(HttpMethod.Get, "/api/suppressions?pageSize=0"),
            [401] = () => SendAsync(HttpMethod.Get, "/api/suppressions", withKey: false),
            [403] = () => SendAsync(HttpMethod.Get, "/api/suppressions", bearer: noScope),
            [503] = () => WithStorageDownAsync(() => SendAsync(HttpMethod.Get, "/api/suppressions")),
        };
        var deleteByQuery = new Dictionary<int, Func<Task<HttpResponseMessage>>>
        {
            [204] = () => SendAsync(HttpMethod.Delete, "/api/suppressions?address=lifted-by-query%40openapi.example"),
            [400] = () => SendAsync(HttpMethod.Delete, "/api/suppressions?address=not-an-address"),
            [401] = () => SendAsync(HttpMethod.Delete, "/api/suppressions?address=listed%40openapi.example", withKey: false),
            [403] = () => SendAsync(HttpMethod.Delete, "/api/suppressions?address=listed%40openapi.example", bearer: noScope),
            [404] = () => SendAsync(HttpMethod.Delete, "/api/suppressions?address=never%40openapi.example"),
            [409] = () => SendAsync(HttpMethod.Delete, "/api/suppressions?address=global%40openapi.example"),
            [503] = () => WithStorageDownAsync(() => SendAsync(HttpMethod.Delete, "/api/suppressions?address=listed%40openapi.example")),
        };
        var openApi = new Dictionary<int, Func<Task<HttpResponseMessage>>>
        {
            [200] = () => SendAsync(HttpMethod.Get, "/api/openapi.json", withKey: false),
        };
        var getSuppression = new Dictionary<int, Func<Task<HttpResponseMessage>>>
        {
            [200] = () => SendAsync(HttpMethod.Get, "/api/suppressions/listed%40openapi.example"),
            [400] = () => SendAsync(HttpMethod.Get, "/api/suppressions/not-an-address"),
            [401] = () => SendAsync(HttpMethod.Get, "/api/suppressions/listed%40openapi.example", withKey: false),
            [403] = () => SendAsync(HttpMethod.Get, "/api/suppressions/listed%40openapi.example", bearer: noScope),
            [404] = () => SendAsync(HttpMethod.Get, "/api/suppressions/never%40openapi.example"),
            [503] = () => WithStorageDownAsync(() => SendAsync(HttpMethod.Get, "/api/suppressions/listed%40openapi.example")),
        };
        var deleteSuppression = new Dictionary<int, Func<Task<HttpResponseMessage>>>
        {
            [204] = () => SendAsync(HttpMethod.Delete, "/api/suppressions/lifted%40openapi.example"),
            [400] = () => SendAsync(HttpMethod.Delete, "/api/suppressions/not-an-address"),
            [401] = () => SendAsync(HttpMethod.Delete, "/api/suppressions/listed%40openapi.example", withKey: false),
            [403] = () => SendAsync(HttpMethod.Delete, "/api/suppressions/listed%40openapi.example", bearer: noScope),
            [404] = () => SendAsync(HttpMethod.Delete, "/api/suppressions/never%40openapi.example"),
            [409] = () => SendAsync(HttpMethod.Delete, "/api/suppressions/global%40openapi.example"),
            [503] = () => WithStorageDownAsync(() => SendAsync(HttpMethod.Delete, "/api/suppressions/listed%40openapi.example")),
        };

        var toRevoke = await CreateKeyAsync("read");
        var createKey = new Dictionary<int, Func<Task<HttpResponseMessage>>>
        {
            [201] = () => SendAsync(HttpMethod.Post, "/api/keys", "{\"name\":\"made\",\"scopes\":[\"send\"],\"rateLimitPerMinute\":5}", "application/json"),
            [400] = () => SendAsync(HttpMethod.Post, "/api/keys", "{\"name\":\"made\",\"scopes\":[\"everything\"]}", "application/json"),
            [401] = () => SendAsync(HttpMethod.Post, "/api/keys", "{}", "application/json", withKey: false),
            [403] = () => SendAsync(HttpMethod.Post, "/api/keys", "{}", "application/json", bearer: noAdmin),
            [415] = () => SendAsync(HttpMethod.Post, "/api/keys", "{}", "text/plain"),
            [503] = () => WithStorageDownAsync(() => SendAsync(HttpMethod.Post, "/api/keys", "{\"name\":\"made\",\"scopes\":[\"send\"]}", "application/json")),
        };
        var listKeys = new Dictionary<int, Func<Task<HttpResponseMessage>>>
        {
            [200] = () => SendAsync(HttpMethod.Get, "/api/keys"),
            [401] = () => SendAsync(HttpMethod.Get, "/api/keys", withKey: false),
            [403] = () => SendAsync(HttpMethod.Get, "/api/keys", bearer: noAdmin),
            [503] = () => WithStorageDownAsync(() => SendAsync(HttpMethod.Get, "/api/keys")),
        };
        var revokeKey = new Dictionary<int, Func<Task<HttpResponseMessage>>>
        {
            [204] = () => SendAsync(HttpMethod.Delete, $"/api/keys/{toRevoke[3..19]}"),
            [401] = () => SendAsync(HttpMethod.Delete, $"/api/keys/{toRevoke[3..19]}", withKey: false),
            [403] = () => SendAsync(HttpMethod.Delete, $"/api/keys/{toRevoke[3..19]}", bearer: noAdmin),
            [404] = () => SendAsync(HttpMethod.Delete, "/api/keys/0123456789abcdef"),
            [503] = () => WithStorageDownAsync(() => SendAsync(HttpMethod.Delete, "/api/keys/0123456789abcdef")),
        };

        await CheckOperationAsync(document, "/keys", "post", createKey, "Key");
        await CheckOperationAsync(document, "/keys", "get", listKeys, "KeyList");
        await CheckOperationAsync(document, "/keys/{id}", "delete", revokeKey, null);
        await CheckOperationAsync(document, "/messages", "post", post, "SubmissionReceipt");
        await CheckOperationAsync(document, "/messages/{id}", "get", get, "MessageStatus");
        await CheckOperationAsync(document, "/suppressions", "get", list, "SuppressionList");
        await CheckOperationAsync(document, "/suppressions", "delete", deleteByQuery, null);
        await CheckOperationAsync(document, "/suppressions", "post", addSuppression, "Suppression");
        await CheckOperationAsync(document, "/openapi.json", "get", openApi, null);
        await CheckOperationAsync(document, "/suppressions/{address}", "get", getSuppression, "Suppression");
        await CheckOperationAsync(document, "/suppressions/{address}", "delete", deleteSuppression, null);

        // Every error kind Core can return over HTTP maps to a documented status (SenderNotAllowed is SMTP-only).
        foreach (var kind in Enum.GetValues<SubmissionErrorKind>().Where(k => k != SubmissionErrorKind.SenderNotAllowed))
        {
            Assert.Contains(SmtpFunctions.Api.ApiProblems.StatusFor(kind), post.Keys);
        }
    }

    private static async Task CheckOperationAsync(JsonElement document, string path, string method, Dictionary<int, Func<Task<HttpResponseMessage>>> cases, string? successSchema)
    {
        var documented = document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses")
            .EnumerateObject().Select(r => int.Parse(r.Name, System.Globalization.CultureInfo.InvariantCulture)).Order().ToArray();
        Assert.Equal(documented, cases.Keys.Order().ToArray());

        var problemProperties = SchemaProperties(document, "Problem");
        foreach (var (status, send) in cases)
        {
            using var response = await send();
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(status == (int)response.StatusCode, $"{method} {path}: expected {status}, got {(int)response.StatusCode} {text}");
            var documentedResponse = Resolve(document, document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses")
                .GetProperty(status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            if (status is 204)
            {
                // No content: documented without a body, and none is sent.
                Assert.Equal("", text);
                Assert.False(documentedResponse.TryGetProperty("content", out _));
                continue;
            }

            if (status is 401 && text.Length == 0)
            {
                // The host's 401 (no function key) has no body; an API key's 401 is a problem, checked below.
                Assert.Null(response.Content.Headers.ContentType);
                continue;
            }

            Assert.True(documentedResponse.TryGetProperty("content", out _), $"{method} {path} {status}: a body is sent but none documented");

            var body = JsonDocument.Parse(text).RootElement;
            var actual = body.EnumerateObject().Select(p => p.Name).ToHashSet();
            if (status < 300)
            {
                Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
                if (successSchema is not null)
                {
                    CheckAgainstSchema(document, successSchema, body);
                }
            }
            else
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Subset(problemProperties, actual);
                Assert.Superset(Required(document, "Problem"), actual);
            }
        }
    }

    // Recursively: every property the API sends is documented, every required one is sent.
    private static void CheckAgainstSchema(JsonElement document, string schemaName, JsonElement value)
    {
        var schema = document.GetProperty("components").GetProperty("schemas").GetProperty(schemaName);
        var properties = schema.GetProperty("properties");
        var actual = value.EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Subset(SchemaProperties(document, schemaName), actual);
        Assert.Superset(Required(document, schemaName), actual);
        foreach (var property in value.EnumerateObject())
        {
            var definition = properties.GetProperty(property.Name);
            if (definition.TryGetProperty("items", out var items) && items.TryGetProperty("$ref", out var itemRef) && property.Value.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in property.Value.EnumerateArray())
                {
                    CheckAgainstSchema(document, itemRef.GetString()!.Split('/')[^1], item);
                }
            }

            if (definition.TryGetProperty("$ref", out var objectRef) && property.Value.ValueKind == JsonValueKind.Object)
            {
                CheckAgainstSchema(document, objectRef.GetString()!.Split('/')[^1], property.Value);
            }

            if (definition.TryGetProperty("enum", out var values) || (definition.TryGetProperty("$ref", out var enumRef) &&
                document.GetProperty("components").GetProperty("schemas").GetProperty(enumRef.GetString()!.Split('/')[^1]).TryGetProperty("enum", out values)))
            {
                Assert.Contains(property.Value.GetString(), values.EnumerateArray().Select(v => v.GetString()));
            }
        }
    }

    private static JsonElement Resolve(JsonElement document, JsonElement response) =>
        response.TryGetProperty("$ref", out var reference)
            ? document.GetProperty("components").GetProperty("responses").GetProperty(reference.GetString()!.Split('/')[^1])
            : response;

    private static HashSet<string> SchemaProperties(JsonElement document, string schema) =>
        document.GetProperty("components").GetProperty("schemas").GetProperty(schema).GetProperty("properties")
            .EnumerateObject().Select(p => p.Name).ToHashSet();

    private static HashSet<string> Required(JsonElement document, string schema) =>
        document.GetProperty("components").GetProperty("schemas").GetProperty(schema).TryGetProperty("required", out var required)
            ? required.EnumerateArray().Select(r => r.GetString()!).ToHashSet()
            : [];

    private static HashSet<string> JsonNames(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name)
            .OfType<string>()
            .ToHashSet();

    private async Task<JsonElement> DocumentAsync() => await host.Client.GetFromJsonAsync<JsonElement>("/api/openapi.json");

    private async Task<string> CreateKeyAsync(string scopes, params string[] extra)
    {
        var output = new StringWriter();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = host.Azurite.ConnectionString })
            .Build();
        Assert.Equal(0, await SmtpFunctions.LocalHost.Keys.KeysCommand.RunAsync(
            ["create", "--tenant", "default", "--name", "openapi", "--scopes", scopes, .. extra], configuration, output));
        return output.ToString().Split('\n', StringSplitOptions.TrimEntries).Single(line => line.StartsWith("sf_", StringComparison.Ordinal));
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, string? contentType = null, string? idempotencyKey = null,
        bool withKey = true, string? bearer = null)
    {
        using var client = new HttpClient { BaseAddress = host.Client.BaseAddress };
        if (withKey)
        {
            client.DefaultRequestHeaders.Add("x-functions-key", LocalHostFixture.Key);
        }

        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body);
            request.Content.Headers.Remove("Content-Type");
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    // Twice in a row, so both fall in one minute of a once-a-minute key (unless the minute ends between them: then a third).
    private static async Task<HttpResponseMessage> SecondOfTwoAsync(Func<Task<HttpResponseMessage>> send)
    {
        for (var i = 0; ; i++)
        {
            var response = await send();
            if (response.StatusCode != HttpStatusCode.Accepted || i == 2)
            {
                return response;
            }

            response.Dispose();
        }
    }

    private async Task<HttpResponseMessage> WithStorageDownAsync(Func<Task<HttpResponseMessage>> send)
    {
        await host.Azurite.StopAsync();
        try
        {
            return await send();
        }
        finally
        {
            await host.Azurite.RestartAsync();
        }
    }
}
