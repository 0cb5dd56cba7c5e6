using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace SmtpFunctions.Api;

/// <summary>Reads a request body up to a limit, so an oversize upload is refused without being buffered whole.</summary>
internal static class RequestBodyReader
{
    private const long DrainFactor = 4;

    /// <summary>The body, or null when it is longer than <paramref name="limit"/>.</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            // We stop reading one past the limit ourselves; the server's own cap sits further out because after our 413 it
            // drains what the client is still sending, so that the client gets to read the answer (RFC 9112 §9.6) instead
            // of a reset in mid-upload. Only a body beyond that is cut off.
            size.MaxRequestBodySize = (limit * DrainFactor) + 1;
        }

        try
        {
            return request.ContentLength is { } length
                ? await ReadDeclaredAsync(request.Body, (int)length, cancellationToken)
                : await ReadChunkedAsync(request.Body, limit, cancellationToken);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
    }

    // The common case: the length is declared, so the body is read straight into an array of that size — no 64 KB read
    // buffer and no second copy out of a growing MemoryStream for every request. A body that ends early is passed on as
    // far as it came, as before (the rules then refuse it).
    private static async Task<byte[]> ReadDeclaredAsync(Stream body, int length, CancellationToken cancellationToken)
    {
        var buffer = new byte[length];
        var read = await body.ReadAtLeastAsync(buffer, length, throwOnEndOfStream: false, cancellationToken);
        return read == length ? buffer : buffer[..read];
    }

    private static async Task<byte[]?> ReadChunkedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }
}
