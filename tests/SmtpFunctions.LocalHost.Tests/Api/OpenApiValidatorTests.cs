using Microsoft.OpenApi;
using Microsoft.OpenApi.Models;
using Microsoft.OpenApi.Readers;

namespace SmtpFunctions.LocalHost.Tests.Api;

/// <summary>The served OpenAPI document is valid OpenAPI 3 by an independent reader (OpenAPI.NET), not only by our own checks.</summary>
public class OpenApiValidatorTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    [Fact]
    public async Task Document_ReadByOpenApiNet_HasNoErrorsOrWarnings()
    {
        using var client = new HttpClient { BaseAddress = host.Client.BaseAddress };
        await using var stream = await client.GetStreamAsync("/api/openapi.json");

        var document = new OpenApiStreamReader(new OpenApiReaderSettings { ReferenceResolution = ReferenceResolutionSetting.ResolveLocalReferences })
            .Read(stream, out var diagnostic);

        Assert.Equal(OpenApiSpecVersion.OpenApi3_0, diagnostic.SpecificationVersion);
        Assert.True(diagnostic.Errors.Count == 0, string.Join("\n", diagnostic.Errors.Select(e => $"error {e.Pointer}: {e.Message}")));
        Assert.True(diagnostic.Warnings.Count == 0, string.Join("\n", diagnostic.Warnings.Select(e => $"warning {e.Pointer}: {e.Message}")));
        Assert.NotEmpty(document.Paths);
    }
}
