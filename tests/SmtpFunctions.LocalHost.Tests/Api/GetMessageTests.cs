using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SmtpFunctions.LocalHost.Tests.Api;

public class GetMessageTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    [Fact]
    public async Task Get_AfterSubmit_ShowsEachRecipientQueued()
    {
        using var submitted = await host.Client.PostAsync("/api/messages",
            LocalHostFixture.Json("{\"from\":\"a@example.com\",\"to\":[\"b@example.net\",\"c@example.org\"],\"text\":\"x\"}"));
        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        using var response = await host.Client.GetAsync($"/api/messages/{id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var view = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, view.GetProperty("id").GetString());
        Assert.Equal("queued", view.GetProperty("status").GetString());
        Assert.Equal("a@example.com", view.GetProperty("sender").GetString());
        var submittedAt = view.GetProperty("submittedAt").GetDateTimeOffset();
        Assert.InRange(submittedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        var recipients = view.GetProperty("recipients").EnumerateArray().ToList();
        Assert.Equal(["b@example.net", "c@example.org"], recipients.Select(r => r.GetProperty("address").GetString()!).Order().ToArray());
        Assert.All(recipients, r =>
        {
            Assert.Equal("queued", r.GetProperty("status").GetString());
            Assert.Equal(0, r.GetProperty("attempts").GetInt32());
        });
    }

    [Theory]
    [InlineData("01m8j01vmaatx2gphqhz6sc4f1")]
    [InlineData("not-an-id")]
    [InlineData("01M8J01VMAATX2GPHQHZ6SC4F1")]
    public async Task Get_UnknownId_Is404(string id)
    {
        using var response = await host.Client.GetAsync($"/api/messages/{id}");

        await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, "id");
    }

    [Fact]
    public async Task Get_WithoutKey_Is401()
    {
        using var client = new HttpClient { BaseAddress = host.Client.BaseAddress };

        using var response = await client.GetAsync("/api/messages/01m8j01vmaatx2gphqhz6sc4f1");

        await ProblemAssert.IsUnauthorizedAsync(response);
    }
}
