using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Tenants;
using SmtpFunctions.LocalHost.Tests.Api;
using static SmtpFunctions.LocalHost.Tests.Keys.TenantHostsFixture;

namespace SmtpFunctions.LocalHost.Tests.Keys;

/// <summary>API keys over HTTP on two local hosts sharing one Azurite: scopes, refusals, revocation, storage of secrets.</summary>
public sealed class ApiKeyTests(TenantHostsFixture hosts) : IClassFixture<TenantHostsFixture>
{
    private static readonly string SomeId = "01m8j01vmaatx2gphqhz6sc4f1";

    [Theory]
    [InlineData("read,suppressions,admin", "POST", "/api/messages", "send")]
    [InlineData("send,suppressions,admin", "GET", "/api/messages/01m8j01vmaatx2gphqhz6sc4f1", "read")]
    [InlineData("send,read,admin", "GET", "/api/suppressions", "suppressions")]
    [InlineData("send,read,admin", "GET", "/api/suppressions/bob%40example.net", "suppressions")]
    [InlineData("send,read,admin", "DELETE", "/api/suppressions?address=bob%40example.net", "suppressions")]
    [InlineData("send,read,admin", "POST", "/api/suppressions", "suppressions")]
    [InlineData("send,read,admin", "DELETE", "/api/suppressions/bob%40example.net", "suppressions")]
    [InlineData("send,read,suppressions", "GET", "/api/keys", "admin")]
    [InlineData("send,read,suppressions", "POST", "/api/keys", "admin")]
    [InlineData("send,read,suppressions", "DELETE", "/api/keys/0123456789abcdef", "admin")]
    public async Task Request_OutsideTheKeysScopes_Is403InsufficientScope(string scopes, string method, string path, string missing)
    {
        var token = await hosts.CreateKeyWithCommandAsync("scopes", scopes);
        var content = method != "POST" ? null
            : path == "/api/keys" ? Json("""{"name":"x","scopes":["send"]}""")
            : path == "/api/suppressions" ? Json("""{"address":"bob@example.net"}""")
            : Message("scopes");

        using var response = await SendAsync(hosts.A, new HttpMethod(method), path, token, content);

        var problem = await ProblemAssert.IsAsync(response, HttpStatusCode.Forbidden, "scopes");
        Assert.Equal("urn:smtpfunctions:problem:insufficient-scope", problem.GetProperty("type").GetString());
        Assert.Contains(missing, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryScope_LetsItsOwnEndpointsThrough()
    {
        var token = await hosts.CreateKeyWithCommandAsync("scopes-ok", "send,read,suppressions,admin");

        using var submitted = await SendAsync(hosts.A, HttpMethod.Post, "/api/messages", token, Message("scopes-ok"));
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var id = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        using var read = await SendAsync(hosts.A, HttpMethod.Get, $"/api/messages/{id}", token);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using var suppressions = await SendAsync(hosts.A, HttpMethod.Get, "/api/suppressions", token);
        Assert.Equal(HttpStatusCode.OK, suppressions.StatusCode);
        using var keys = await SendAsync(hosts.A, HttpMethod.Get, "/api/keys", token);
        Assert.Equal(HttpStatusCode.OK, keys.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer sf_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("Bearer not-a-key")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task MissingOrUnknownKey_Is401ProblemWithBearerChallenge(string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/messages/{SomeId}");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await hosts.A.SendAsync(request);

        var problem = await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, "Authorization");
        Assert.Equal(authorization is null ? "urn:smtpfunctions:problem:missing-api-key" : "urn:smtpfunctions:problem:invalid-api-key",
            problem.GetProperty("type").GetString());
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task RightKeyIdWithWrongSecret_Is401()
    {
        var token = await hosts.CreateKeyWithCommandAsync("wrong-secret", "read");
        var forged = token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        using var response = await SendAsync(hosts.A, HttpMethod.Get, $"/api/messages/{SomeId}", forged);

        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, "Authorization");
        using var good = await SendAsync(hosts.A, HttpMethod.Get, $"/api/messages/{SomeId}", token);
        Assert.Equal(HttpStatusCode.NotFound, good.StatusCode);
    }

    [Fact]
    public async Task ExpiredKey_Is401Expired()
    {
        // A row as the manager writes it, but past its expiry (the API refuses to make one).
        var token = ApiKeyToken.New();
        var table = new TableClient(hosts.Azurite.ConnectionString, StorageNames.ApiKeysTable);
        await table.AddEntityAsync(new ApiKeyEntity
        {
            PartitionKey = token.KeyId,
            TenantId = "expiry",
            Name = "expired",
            Scopes = "read",
            SecretHash = ApiKeyToken.Hash(token.Secret),
            CreatedAt = DateTimeOffset.UtcNow.AddDays(-2),
            ExpiresAt = DateTimeOffset.UtcNow.AddDays(-1),
        });

        using var response = await SendAsync(hosts.A, HttpMethod.Get, $"/api/messages/{SomeId}", token.ToString());

        var problem = await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, "Authorization");
        Assert.Equal("urn:smtpfunctions:problem:expired-api-key", problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Revocation_RefusesAtOnceWhereMade_AndOnTheOtherInstanceWithinTheCacheTtl()
    {
        var admin = await hosts.CreateKeyWithCommandAsync("revoke", "admin");
        var created = await CreateKeyAsync(hosts.A, admin, """{"name":"to revoke","scopes":["read"]}""");
        var token = created.GetProperty("key").GetString()!;
        var id = created.GetProperty("id").GetString()!;
        // Both instances have the key cached as good.
        foreach (var host in new[] { hosts.A, hosts.B })
        {
            using var before = await SendAsync(host, HttpMethod.Get, $"/api/messages/{SomeId}", token);
            Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        }

        using var revoked = await SendAsync(hosts.A, HttpMethod.Delete, $"/api/keys/{id}", admin);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        var clock = Stopwatch.StartNew();

        using var onA = await SendAsync(hosts.A, HttpMethod.Get, $"/api/messages/{SomeId}", token);
        var problem = await ProblemAssert.IsAsync(onA, HttpStatusCode.Unauthorized, "Authorization");
        Assert.Equal("urn:smtpfunctions:problem:revoked-api-key", problem.GetProperty("type").GetString());

        // Instance B learns it when its cached row lapses: poll until it refuses, and see that it took no longer than the TTL.
        while (true)
        {
            using var onB = await SendAsync(hosts.B, HttpMethod.Get, $"/api/messages/{SomeId}", token);
            if (onB.StatusCode == HttpStatusCode.Unauthorized)
            {
                break;
            }

            Assert.Equal(HttpStatusCode.NotFound, onB.StatusCode);
            Assert.True(clock.Elapsed < CacheTtl + TimeSpan.FromSeconds(3), $"B still accepts the revoked key after {clock.Elapsed}");
            await Task.Delay(100);
        }

        Assert.True(clock.Elapsed <= CacheTtl + TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        using var listed = await SendAsync(hosts.A, HttpMethod.Get, "/api/keys", admin);
        var row = JsonDocument.Parse(await listed.Content.ReadAsStringAsync()).RootElement.GetProperty("keys").EnumerateArray()
            .Single(k => k.GetProperty("id").GetString() == id);
        Assert.NotEqual(JsonValueKind.Null, row.GetProperty("revokedAt").ValueKind);
        Assert.False(row.TryGetProperty("key", out _));
    }

    [Fact]
    public async Task Secrets_AreInNoTableOfTheAccount_OnlyTheirHashes()
    {
        var admin = await hosts.CreateKeyWithCommandAsync("hashes", "admin,send");
        var created = await CreateKeyAsync(hosts.A, admin, """{"name":"api made","scopes":["send","read"],"rateLimitPerMinute":100}""");
        var tokens = new[] { admin, created.GetProperty("key").GetString()! };
        foreach (var token in tokens)
        {
            // Used on both instances: last-used, rate-limit and status rows get written too.
            using var sent = await SendAsync(hosts.B, HttpMethod.Post, "/api/messages", token, Message("hashes"));
            Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        }

        var secrets = tokens.Select(t => { Assert.True(ApiKeyToken.TryParse(t, out var parsed)); return parsed!; }).ToList();
        var service = new TableServiceClient(hosts.Azurite.ConnectionString);
        var seenHashes = 0;
        var tables = 0;
        await foreach (var table in service.QueryAsync())
        {
            tables++;
            await foreach (var entity in service.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                var text = string.Join("\n", entity.Select(p => $"{p.Key}={p.Value}")) + entity.PartitionKey + entity.RowKey;
                foreach (var secret in secrets)
                {
                    Assert.DoesNotContain(secret.Secret, text, StringComparison.Ordinal);
                    seenHashes += text.Contains(ApiKeyToken.Hash(secret.Secret), StringComparison.Ordinal) ? 1 : 0;
                }
            }
        }

        Assert.True(tables >= 6, $"scanned {tables} tables");
        // The scan does see the keys' rows: each key's hash is there, once.
        Assert.Equal(secrets.Count, seenHashes);
    }
}
