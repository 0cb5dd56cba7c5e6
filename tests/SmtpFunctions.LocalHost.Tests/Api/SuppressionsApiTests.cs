using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Suppression;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.LocalHost.Tests.Api;

/// <summary>
/// GET/DELETE /api/suppressions/{address}, GET /api/suppressions (?address= too), DELETE /api/suppressions?address=, and
/// what a suppressed recipient means at submission.
/// </summary>
public class SuppressionsApiTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    private SuppressionList List => host.Services.GetRequiredService<SuppressionList>();

    [Theory]
    [InlineData("plus+tag@enc.example", "/api/suppressions/plus+tag@enc.example")]
    [InlineData("plus+tag@enc.example", "/api/suppressions/plus%2Btag%40enc.example")]
    [InlineData("plus+tag@enc.example", "/api/suppressions/PLUS+TAG@ENC.EXAMPLE")]
    [InlineData("slash/ed@enc.example", "/api/suppressions/slash%2Fed%40enc.example")]
    [InlineData("slash/ed@enc.example", "/api/suppressions/slash%2fed@enc.example")]
    [InlineData("per%2Fcent@enc.example", "/api/suppressions/per%252Fcent%40enc.example")]
    [InlineData("jörg@xn--bcher-kva.example", "/api/suppressions/j%C3%B6rg%40b%C3%BCcher.example")]
    [InlineData("jörg@xn--bcher-kva.example", "/api/suppressions/J%C3%96RG@xn--bcher-kva.example")]
    public async Task Get_AddressEncodedAsDocumented_FindsExactlyItsEntry(string address, string path)
    {
        await SuppressAsync(address);
        // A literal "%2F" in a local part and an encoded slash are different addresses; both exist here.
        await SuppressAsync(address.Contains('/', StringComparison.Ordinal) ? address.Replace("/", "%2F", StringComparison.Ordinal) : address.Replace("%2F", "/", StringComparison.Ordinal));

        using var response = await host.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(address, body.GetProperty("address").GetString());
        Assert.Equal(address[(address.LastIndexOf('@') + 1)..], body.GetProperty("domain").GetString());
        Assert.Equal(550, body.GetProperty("reason").GetProperty("replyCode").GetInt32());
        Assert.Equal("5.1.1", body.GetProperty("reason").GetProperty("enhancedCode").GetString());
        Assert.Equal("User unknown", body.GetProperty("reason").GetProperty("text").GetString());
        Assert.Equal("01m8j01vmaatx2gphqhz6sc4f1", body.GetProperty("messageId").GetString());
    }

    [Theory]
    [InlineData("plus+tag@enc.example", "plus+tag%40enc.example")]
    [InlineData("plus+tag@enc.example", "plus%2Btag%40enc.example")]
    [InlineData("plus+tag@enc.example", "plus+tag@enc.example")]
    [InlineData("slash/ed@enc.example", "slash%2Fed%40enc.example")]
    [InlineData("slash/ed@enc.example", "slash/ed@enc.example")]
    [InlineData("per%2Fcent@enc.example", "per%252Fcent%40enc.example")]
    [InlineData("jörg@xn--bcher-kva.example", "J%C3%96RG%40b%C3%BCcher.example")]
    public async Task GetByQuery_AddressEncodedAsDocumented_ListsExactlyItsEntry(string address, string value)
    {
        await SuppressAsync(address);
        await SuppressAsync(address.Contains('/', StringComparison.Ordinal) ? address.Replace("/", "%2F", StringComparison.Ordinal) : address.Replace("%2F", "/", StringComparison.Ordinal));

        var page = await host.Client.GetFromJsonAsync<JsonElement>("/api/suppressions?address=" + value);

        var entry = Assert.Single(page.GetProperty("suppressions").EnumerateArray());
        Assert.Equal(address, entry.GetProperty("address").GetString());
        Assert.Equal("5.1.1", entry.GetProperty("reason").GetProperty("enhancedCode").GetString());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("continuationToken").ValueKind);
    }

    [Fact]
    public async Task GetByQuery_AnAddressNotSuppressed_IsAnEmptyList()
    {
        var page = await host.Client.GetFromJsonAsync<JsonElement>("/api/suppressions?address=never%2Fhere%40enc.example");

        Assert.Empty(page.GetProperty("suppressions").EnumerateArray());
    }

    [Fact]
    public async Task DeleteByQuery_LiftsAnAddressWithASlash_AndThePathFormStillWorks()
    {
        await SuppressAsync("a/b@query-del.example");
        await SuppressAsync("c/d@query-del.example");

        using var byQuery = await host.Client.DeleteAsync("/api/suppressions?address=a%2Fb%40query-del.example");
        using var again = await host.Client.DeleteAsync("/api/suppressions?address=a%2Fb%40query-del.example");
        using var byPath = await host.Client.DeleteAsync("/api/suppressions/c%2Fd%40query-del.example");

        Assert.Equal(HttpStatusCode.NoContent, byQuery.StatusCode);
        Assert.Empty(await byQuery.Content.ReadAsByteArrayAsync());
        await ProblemAssert.IsAsync(again, HttpStatusCode.NotFound, "address");
        Assert.Equal(HttpStatusCode.NoContent, byPath.StatusCode);
        Assert.Empty(await List.FindAsync(TenantIds.Default, ["a/b@query-del.example", "c/d@query-del.example"], default));
    }

    [Theory]
    [InlineData("DELETE", "/api/suppressions")]
    [InlineData("DELETE", "/api/suppressions?address=")]
    [InlineData("DELETE", "/api/suppressions?address=not-an-address")]
    [InlineData("DELETE", "/api/suppressions?address=a%40b.example&address=c%40d.example")]
    [InlineData("DELETE", "/api/suppressions?address=a%ZZb.example")]
    [InlineData("GET", "/api/suppressions?address=not-an-address")]
    [InlineData("GET", "/api/suppressions?address=a%40b.example&domain=b.example")]
    public async Task ByQuery_WhatIsNotOneAddress_Is400NamingTheAddress(string method, string path)
    {
        using var response = await host.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "address");
    }

    [Theory]
    [InlineData("/api/suppressions/not-an-address")]
    [InlineData("/api/suppressions/Name%20%3Ca%40b.example%3E")]
    [InlineData("/api/suppressions/a%40b.example%2C%20c%40d.example")]
    [InlineData("/api/suppressions/a%40localhost")]
    public async Task GetAndDelete_WhatIsNotOneAddress_Is400NamingTheAddress(string path)
    {
        using var get = await host.Client.GetAsync(path);
        using var delete = await host.Client.DeleteAsync(path);

        await ProblemAssert.IsAsync(get, HttpStatusCode.BadRequest, "address");
        await ProblemAssert.IsAsync(delete, HttpStatusCode.BadRequest, "address");
    }

    [Fact]
    public async Task Delete_LiftsTheEntry_ThenGetAndDeleteAre404()
    {
        await SuppressAsync("lift@del.example");

        using var deleted = await host.Client.DeleteAsync("/api/suppressions/lift%40del.example");
        using var get = await host.Client.GetAsync("/api/suppressions/lift%40del.example");
        using var again = await host.Client.DeleteAsync("/api/suppressions/lift%40del.example");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(await deleted.Content.ReadAsByteArrayAsync());
        await ProblemAssert.IsAsync(get, HttpStatusCode.NotFound, "address");
        await ProblemAssert.IsAsync(again, HttpStatusCode.NotFound, "address");
        Assert.Empty(await List.FindAsync(TenantIds.Default, ["lift@del.example"], default));
    }

    [Fact]
    public async Task List_PagesThroughEverything_InOrder_AndFiltersByDomain()
    {
        string[] addresses = ["a@page-one.example", "b@page-one.example", "c@page-one.example", "a@page-two.example", "b@page-two.example"];
        foreach (var address in addresses)
        {
            await SuppressAsync(address);
        }

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var path = "/api/suppressions?pageSize=2" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token));
            var page = await host.Client.GetFromJsonAsync<JsonElement>(path);
            var entries = page.GetProperty("suppressions").EnumerateArray().ToList();
            Assert.InRange(entries.Count, 0, 2);
            seen.AddRange(entries.Select(e => e.GetProperty("address").GetString()!));
            token = page.GetProperty("continuationToken").GetString();
            pages++;
        }
        while (token is not null && pages < 50);

        var mine = seen.Where(a => a.EndsWith("page-one.example", StringComparison.Ordinal) || a.EndsWith("page-two.example", StringComparison.Ordinal)).ToList();
        Assert.Equal(addresses.OrderBy(a => a[(a.IndexOf('@') + 1)..], StringComparer.Ordinal).ThenBy(a => a, StringComparer.Ordinal), mine);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.True(pages >= 3);

        var filtered = await host.Client.GetFromJsonAsync<JsonElement>("/api/suppressions?domain=PAGE-TWO.example");
        Assert.Equal(["a@page-two.example", "b@page-two.example"], filtered.GetProperty("suppressions").EnumerateArray().Select(e => e.GetProperty("address").GetString()));
        Assert.Equal(JsonValueKind.Null, filtered.GetProperty("continuationToken").ValueKind);
        var none = await host.Client.GetFromJsonAsync<JsonElement>("/api/suppressions?domain=nothing-here.example");
        Assert.Empty(none.GetProperty("suppressions").EnumerateArray());
    }

    [Theory]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=1001", "pageSize")]
    [InlineData("pageSize=ten", "pageSize")]
    [InlineData("pageSize=-1", "pageSize")]
    [InlineData("domain=not%20a%20domain", "domain")]
    [InlineData("domain=", "domain")]
    [InlineData("domain=a%40b.example", "domain")]
    [InlineData("continuationToken=%21%21", "continuationToken")]
    [InlineData("continuationToken=bm9zcGFjZQ", "continuationToken")]
    public async Task List_BadQuery_Is400NamingTheParameter(string query, string field)
    {
        using var response = await host.Client.GetAsync("/api/suppressions?" + query);

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("GET", "/api/suppressions")]
    [InlineData("GET", "/api/suppressions/a%40b.example")]
    [InlineData("DELETE", "/api/suppressions/a%40b.example")]
    [InlineData("GET", "/api/suppressions?address=a%40b.example")]
    [InlineData("DELETE", "/api/suppressions?address=a%40b.example")]
    public async Task EveryRoute_WithoutKey_Is401(string method, string path)
    {
        using var client = new HttpClient { BaseAddress = host.Client.BaseAddress };

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await ProblemAssert.IsUnauthorizedAsync(response);
    }

    [Fact]
    public async Task Submit_ToASuppressedRecipient_ListsItSuppressed_AndQueuesNothingForIt()
    {
        await SuppressAsync("blocked@sub.example");
        await host.ClearQueueAsync();

        using var submitted = await host.Client.PostAsync("/api/messages",
            LocalHostFixture.Json("{\"from\":\"a@example.com\",\"to\":[\"Blocked@SUB.example\",\"open@sub.example\"],\"text\":\"x\"}"));
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var receipt = await submitted.Content.ReadFromJsonAsync<JsonElement>();
        var id = receipt.GetProperty("id").GetString()!;
        var statuses = receipt.GetProperty("recipients").EnumerateArray().ToDictionary(r => r.GetProperty("address").GetString()!, r => r.GetProperty("status").GetString());

        Assert.Equal("suppressed", statuses["Blocked@sub.example"]);
        Assert.Equal("queued", statuses["open@sub.example"]);
        var job = Assert.Single(await host.JobsForAsync(id), j => j.Domain == "sub.example");
        Assert.Equal(["open@sub.example"], job.Recipients);
        var view = await host.Client.GetFromJsonAsync<JsonElement>($"/api/messages/{id}");
        var blocked = view.GetProperty("recipients").EnumerateArray().Single(r => r.GetProperty("address").GetString() == "Blocked@sub.example");
        Assert.Equal("suppressed", blocked.GetProperty("status").GetString());
        Assert.Contains("550 5.1.1 User unknown", blocked.GetProperty("lastResponse").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_WhereEveryRecipientIsSuppressed_QueuesNoJobAtAll()
    {
        await SuppressAsync("only@all.example");
        await host.ClearQueueAsync();

        using var submitted = await host.Client.PostAsync("/api/messages", LocalHostFixture.Json("{\"from\":\"a@example.com\",\"to\":\"only@all.example\",\"text\":\"x\"}"));
        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        Assert.Empty(await host.JobsForAsync(id));
        var view = await host.Client.GetFromJsonAsync<JsonElement>($"/api/messages/{id}");
        Assert.Equal("failed", view.GetProperty("status").GetString());
    }

    private Task SuppressAsync(string address) =>
        List.AddAsync(TenantIds.Default, address, FailureClassifier.FromReply(550, "5.1.1 User unknown"), "01m8j01vmaatx2gphqhz6sc4f1", "mx.example[192.0.2.1]:25", default);
}
