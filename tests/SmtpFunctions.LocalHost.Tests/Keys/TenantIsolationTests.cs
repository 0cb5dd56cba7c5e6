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
    public async Task Suppressions_AreEachTenantsOwn_AndTheOperatorsGlobalListAppliesToEvery()
    {
        var a = await hosts.CreateKeyWithCommandAsync("sup-a", "send,suppressions");
        var b = await hosts.CreateKeyWithCommandAsync("sup-b", "send,suppressions");
        var unsubscribed = $"unsub-{Guid.NewGuid():N}@example.net";
        var complainer = $"complainer-{Guid.NewGuid():N}@example.net";

        using var added = await SendAsync(hosts.A, HttpMethod.Post, "/api/suppressions", a, Json($$"""{"address":"{{unsubscribed}}","reason":"unsubscribed"}"""));
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        using var seenByB = await SendAsync(hosts.B, HttpMethod.Get, $"/api/suppressions/{Uri.EscapeDataString(unsubscribed)}", b);
        using var liftedByB = await SendAsync(hosts.B, HttpMethod.Delete, $"/api/suppressions?address={Uri.EscapeDataString(unsubscribed)}", b);
        using var listedByB = await SendAsync(hosts.B, HttpMethod.Get, "/api/suppressions?domain=example.net", b);
        await ProblemAssert.IsAsync(seenByB, HttpStatusCode.NotFound, "address");
        await ProblemAssert.IsAsync(liftedByB, HttpStatusCode.NotFound, "address");
        Assert.DoesNotContain(unsubscribed, await listedByB.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // The instance that added it knows at once; the other within its cache TTL, and then for A only.
        Assert.Equal("suppressed", await StatusOfAsync(hosts.A, "sup-a", a, unsubscribed));
        Assert.Equal("queued", await StatusOfAsync(hosts.B, "sup-b", b, unsubscribed));
        await WaitForStatusAsync(hosts.B, "sup-a", a, unsubscribed, "suppressed");

        var (code, output) = await hosts.SuppressionsCommandAsync("add", "--global", "--address", complainer, "--reason", "complained");
        Assert.True(code == 0, output);
        await WaitForStatusAsync(hosts.A, "sup-a", a, complainer, "suppressed");
        await WaitForStatusAsync(hosts.B, "sup-b", b, complainer, "suppressed");
        using var globalSeenByB = await SendAsync(hosts.B, HttpMethod.Get, $"/api/suppressions/{Uri.EscapeDataString(complainer)}", b);
        var entry = JsonDocument.Parse(await globalSeenByB.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("global", entry.GetProperty("list").GetString());
        Assert.Equal("operator", entry.GetProperty("addedBy").GetString());
        using var globalLiftedByB = await SendAsync(hosts.B, HttpMethod.Delete, $"/api/suppressions/{Uri.EscapeDataString(complainer)}", b);
        await ProblemAssert.IsAsync(globalLiftedByB, HttpStatusCode.Conflict, "address");

        (code, output) = await hosts.SuppressionsCommandAsync("remove", "--global", "--address", complainer);
        Assert.True(code == 0, output);
        await WaitForStatusAsync(hosts.B, "sup-b", b, complainer, "queued");
    }

    [Fact]
    public async Task FromOutsideTheTenantsVerifiedDomains_Is403NamingTheField_InJsonAndRawMime()
    {
        var a = await hosts.CreateKeyWithCommandAsync("door-a", "send");
        await hosts.CreateKeyWithCommandAsync("door-b", "send");

        using var foreign = await SendAsync(hosts.A, HttpMethod.Post, "/api/messages", a,
            Json("""{"from":"alice@elsewhere.example","to":["bob@example.net"],"subject":"s","text":"t"}"""));
        using var othersDomain = await SendAsync(hosts.A, HttpMethod.Post, "/api/messages", a,
            Json($$"""{"from":"alice@{{SenderDomain("door-b")}}","to":["bob@example.net"],"subject":"s","text":"t"}"""));
        using var raw = await SendAsync(hosts.B, HttpMethod.Post, "/api/messages", a,
            new StringContent("From: boss@elsewhere.example\r\nTo: bob@example.net\r\nSubject: s\r\n\r\nt\r\n", System.Text.Encoding.UTF8, "message/rfc822"));

        var problem = await ProblemAssert.IsAsync(foreign, HttpStatusCode.Forbidden, "from");
        Assert.Equal("urn:smtpfunctions:problem:domain-not-verified", problem.GetProperty("type").GetString());
        Assert.Contains("elsewhere.example", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await ProblemAssert.IsAsync(othersDomain, HttpStatusCode.Forbidden, "from");
        await ProblemAssert.IsAsync(raw, HttpStatusCode.Forbidden, "from");
    }

    [Fact]
    public async Task SuppressionsCommand_NamesExactlyOneList()
    {
        Assert.Equal(64, (await hosts.SuppressionsCommandAsync("add", "--address", "x@example.net")).Code);
        Assert.Equal(64, (await hosts.SuppressionsCommandAsync("add", "--global", "--tenant", "t", "--address", "x@example.net")).Code);
        Assert.Equal(64, (await hosts.SuppressionsCommandAsync("add", "--tenant", "Not_A_Tenant", "--address", "x@example.net")).Code);
        Assert.Equal(64, (await hosts.SuppressionsCommandAsync("add", "--global", "--address", "not-an-address")).Code);
        var (code, output) = await hosts.SuppressionsCommandAsync("remove", "--tenant", "cmd-t", "--address", "never@example.net");
        Assert.Equal(1, code);
        Assert.Contains("is not on tenant cmd-t's list", output, StringComparison.Ordinal);

        Assert.Equal(0, (await hosts.SuppressionsCommandAsync("add", "--tenant", "cmd-t", "--address", "Listed@Example.NET")).Code);
        (code, output) = await hosts.SuppressionsCommandAsync("list", "--tenant", "cmd-t");
        Assert.Equal(0, code);
        Assert.Contains("listed@example.net  suppressed since", output, StringComparison.Ordinal);
        Assert.DoesNotContain("listed@example.net", (await hosts.SuppressionsCommandAsync("list", "--global")).Output, StringComparison.Ordinal);
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

    // The status a new submission of the tenant gives the recipient (suppressed, or queued).
    private static async Task<string?> StatusOfAsync(HttpClient client, string tenant, string token, string recipient)
    {
        using var response = await SendAsync(client, HttpMethod.Post, "/api/messages", token,
            Json($$"""{"from":"alice@{{SenderDomain(tenant)}}","to":["{{recipient}}"],"subject":"suppressed?","text":"Hello."}"""));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("recipients")[0].GetProperty("status").GetString();
    }

    // Another instance sees a change within its cache TTL: submit until the recipient's status is the one expected.
    private static async Task WaitForStatusAsync(HttpClient client, string tenant, string token, string recipient, string expected)
    {
        var deadline = DateTime.UtcNow + (CacheTtl * 10);
        string? status;
        while ((status = await StatusOfAsync(client, tenant, token, recipient)) != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(CacheTtl / 4);
        }

        Assert.Equal(expected, status);
    }

    private async Task<(HttpStatusCode Status, string? Id, bool Replayed)> SubmitAsync(string tenant, string token, string idempotencyKey, string text)
    {
        using var response = await SendAsync(hosts.A, HttpMethod.Post, "/api/messages", token,
            Json($$"""{"from":"alice@{{SenderDomain(tenant)}}","to":["bob@example.net"],"subject":"Idem","text":"{{text}}"}"""), idempotencyKey);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (response.StatusCode, body.TryGetProperty("id", out var id) ? id.GetString() : null, response.Headers.Contains("Idempotent-Replayed"));
    }
}
