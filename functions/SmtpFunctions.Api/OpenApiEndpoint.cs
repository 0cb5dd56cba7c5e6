using Microsoft.AspNetCore.Http;

namespace SmtpFunctions.Api;

/// <summary>Serves the OpenAPI 3 document of the HTTP API, kept in the repository as <c>openapi.json</c>.</summary>
public sealed class OpenApiEndpoint
{
    private readonly byte[] _document;

    /// <summary>Loads the embedded document.</summary>
    public OpenApiEndpoint()
    {
        using var stream = typeof(OpenApiEndpoint).Assembly.GetManifestResourceStream("SmtpFunctions.Api.openapi.json")
            ?? throw new InvalidOperationException("openapi.json is not embedded.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        _document = copy.ToArray();
    }

    /// <summary>The document's bytes.</summary>
    public ReadOnlyMemory<byte> Document => _document;

    /// <summary>The document as a response.</summary>
    public IResult Get() => Results.Bytes(_document, "application/json");
}
