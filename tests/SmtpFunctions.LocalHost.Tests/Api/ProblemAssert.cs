using System.Net;
using System.Text.Json;

namespace SmtpFunctions.LocalHost.Tests.Api;

/// <summary>Checks that a response is an RFC 9457 problem naming the expected field.</summary>
internal static class ProblemAssert
{
    public static async Task<JsonElement> IsAsync(HttpResponseMessage response, HttpStatusCode status, string? field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.StartsWith("urn:smtpfunctions:problem:", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        if (field is not null)
        {
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }

        return problem;
    }

    /// <summary>A missing or wrong key: 401 with an empty body, as the Azure Functions host answers it.</summary>
    public static async Task IsUnauthorizedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"expected 401, got {(int)response.StatusCode}");
        Assert.Empty(body);
        Assert.Null(response.Content.Headers.ContentType);
    }
}
