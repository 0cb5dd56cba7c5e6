using System.Net;
using System.Text.Json;
using SmtpFunctions.LocalHost.Tests.Api;
using static SmtpFunctions.LocalHost.Tests.Keys.TenantHostsFixture;

namespace SmtpFunctions.LocalHost.Tests.Keys;

/// <summary>Two tenants on one deployment: neither sees the other's messages or idempotency keys; rate limits hold across instances.</summary>
public sealed class TenantIsolationTests(TenantHostsFixture hosts) : IClassFixture<TenantHostsFixture>
{
    [Fact]
    public async Task MessageOfTenantA_Is404ForTenantB_AndVisibleToA()
    {
        var a = await hosts.CreateKeyWithCommandAsync("tenant-a", "send,read");
        var b = await hosts.CreateKeyWithCommandAsync("tenant-b", "send,read");
        using var submitted = await SendAsync(hosts.A, HttpMethod.Post, "/api/messages", a, Message("tenant-a", "of A"));
        var id = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();

        using var byB = await SendAsync(hosts.B, HttpMethod.Get, $"/api/messages/{id}", b);
        using var byA = await SendAsync(hosts.B, HttpMethod.Get, $"/api/messages/{id}", a);

        await ProblemAssert.IsAsync(byB, HttpStatusCode.NotFound, "id");
        Assert.Equal(HttpStatusCode.OK, byA.StatusCode);
    }

    [Fact]
    public async Task SameIdempotencyKeyInTwoTenants_MakesTwoMessages_AndReplaysWithinEach()
    {
        var a = await hosts.CreateKeyWithCommandAsync("idem-a", "send,read");
        var b = await hosts.CreateKeyWithCommandAsync("idem-b", "send,read");
        var key = "order-" + Guid.NewGuid().ToString("N");

        var first = await SubmitAsync("idem-a", a, key, "from A");
        var other = await SubmitAsync("idem-b", b, key, "from B, another body");
        var again = await SubmitAsync("idem-a", a, key, "from A");

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(HttpStatusCode.Accepted, other.Status);
        Assert.NotEqual(first.Id, other.Id);
        Assert.False(other.Replayed);
        Assert.Equal(first.Id, again.Id);
        Assert.True(again.Replayed);
        using var bReadsA = await SendAsync(hosts.A, HttpMethod.Get, $"/api/messages/{first.Id}", b);
        Assert.Equal(HttpStatusCode.NotFound, bReadsA.StatusCode);
    }

    [Fact]
    public async Task KeysOfAnotherTenant_CannotBeListedOrRevoked()
    {
        var adminA = await hosts.CreateKeyWithCommandAsync("keys-a", "admin");
        var adminB = await hosts.CreateKeyWithCommandAsync("keys-b", "admin");
        var ofA = await CreateKeyAsync(hosts.A, adminA, """{"name":"a's sender","scopes":["send"]}""");
        var id = ofA.GetProperty("id").GetString();

        using var revokedByB = await SendAsync(hosts.A, HttpMethod.Delete, $"/api/keys/{id}", adminB);
        using var listedByB = await SendAsync(hosts.A, HttpMethod.Get, "/api/keys", adminB);

        await ProblemAssert.IsAsync(revokedByB, HttpStatusCode.NotFound, "id");
        var listed = JsonDocument.Parse(await listedByB.Content.ReadAsStringAsync()).RootElement.GetProperty("keys").EnumerateArray().ToList();
        Assert.All(listed, k => Assert.Equal("keys-b", k.GetProperty("tenantId").GetString()));
        Assert.DoesNotContain(listed, k => k.GetProperty("id").GetString() == id);
        using var stillWorks = await SendAsync(hosts.B, HttpMethod.Post, "/api/messages", ofA.GetProperty("key").GetString(), Message("keys-a"));
        Assert.Equal(HttpStatusCode.Accepted, stillWorks.StatusCode);
    }

    [Fact]
    public async Task RateLimit_IsSharedByTwoInstances_NeverExceeded_AndAnswered429WithRetryAfter()
    {
        const int limit = 6;
        for (var attempt = 0; ; attempt++)
        {
            var token = await hosts.CreateKeyWithCommandAsync("rate", "send", "--rate-limit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var minute = DateTime.UtcNow.Minute;
            var accepted = 0;
            HttpResponseMessage? refused = null;
            for (var i = 0; i < 4 * limit && refused is null; i++)
            {
                // Alternating instances: each takes chunks of the same shared allowance.
                var response = await SendAsync(i % 2 == 0 ? hosts.A : hosts.B, HttpMethod.Post, "/api/messages", token, Message("rate"));
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    accepted++;
                    response.Dispose();
                }
                else if (i % 2 == 1 || accepted < limit - ((RateLimitChunk - 1) * 2))
                {
                    refused = response;
                }
                else
                {
                    // A refused, B may still hold a chunk of the minute: keep going to see the total.
                    response.Dispose();
                }
            }

            if (DateTime.UtcNow.Minute != minute && attempt == 0)
            {
                // The run straddled a minute boundary, where the allowance starts again: run it once more in one minute.
                refused?.Dispose();
                continue;
            }

            Assert.NotNull(refused);
            using (refused)
            {
                var problem = await ProblemAssert.IsAsync(refused, HttpStatusCode.TooManyRequests, "Authorization");
                Assert.Equal("urn:smtpfunctions:problem:rate-limited", problem.GetProperty("type").GetString());
                var retryAfter = refused.Headers.RetryAfter!.Delta!.Value;
                Assert.InRange(retryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
            }

            // Never more than the limit; at most (chunk - 1) per instance parked unused.
            Assert.InRange(accepted, limit - ((RateLimitChunk - 1) * 2), limit);
            return;
        }
    }

    private async Task<(HttpStatusCode Status, string? Id, bool Replayed)> SubmitAsync(string tenant, string token, string idempotencyKey, string text)
    {
        using var response = await SendAsync(hosts.A, HttpMethod.Post, "/api/messages", token,
            Json($$"""{"from":"alice@{{SenderDomain(tenant)}}","to":["bob@example.net"],"subject":"Idem","text":"{{text}}"}"""), idempotencyKey);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (response.StatusCode, body.TryGetProperty("id", out var id) ? id.GetString() : null, response.Headers.Contains("Idempotent-Replayed"));
    }
}
