using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.IO;
using SmtpFunctions.Core.Buffers;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Api;

/// <summary>
/// Reads a request body into pooled memory up to a limit, admitted against the bytes in flight as it arrives, so that an
/// oversize upload is refused without being buffered whole and many large ones at once are answered "busy".
/// </summary>
internal static class RequestBodyReader
{
    private const long DrainFactor = 4;

    // A body of unknown length is admitted in steps of this size as it arrives.
    private const int AdmissionStep = 1024 * 1024;

    /// <summary>How a read ended.</summary>
    public enum Outcome
    {
        /// <summary>The body is in the buffer.</summary>
        Read,

        /// <summary>The body is longer than the limit.</summary>
        TooLarge,

        /// <summary>Admitting the rest of the body would exceed the bytes in flight.</summary>
        Busy,
    }

    /// <summary>
    /// Lets the server drain what the client still sends after an early answer (413, 503), so that the client gets to read
    /// the answer (RFC 9112 §9.6) instead of a reset in mid-upload. Only a body beyond that is cut off.
    /// </summary>
    public static void AllowDrain(HttpRequest request, long limit)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = (limit * DrainFactor) + 1;
        }
    }

    /// <summary>Reads the body into <paramref name="buffer"/>, growing <paramref name="lease"/> as needed.</summary>
    public static async Task<Outcome> ReadAsync(
        HttpRequest request, long limit, AdmissionLease lease, RecyclableMemoryStream buffer, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return Outcome.TooLarge;
        }

        try
        {
            var body = request.Body;
            while (true)
            {
                var memory = buffer.GetMemory();
                var read = await body.ReadAsync(memory, cancellationToken);
                if (read == 0)
                {
                    // A body that ends before its declared length is passed on as far as it came (the rules then refuse it).
                    return Outcome.Read;
                }

                buffer.Advance(read);
                if (buffer.Length > limit)
                {
                    return Outcome.TooLarge;
                }

                if (buffer.Length > lease.Held && !lease.TryGrow(Math.Max(AdmissionStep, buffer.Length - lease.Held)))
                {
                    return Outcome.Busy;
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Outcome.TooLarge;
        }
    }
}
