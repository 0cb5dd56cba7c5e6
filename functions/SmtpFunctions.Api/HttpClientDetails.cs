using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Api;

/// <summary>What the HTTP door knows of its client, for the <c>Received:</c> field.</summary>
/// <remarks>
/// Behind a reverse proxy on the same machine (the Functions host proxies every request to the worker over loopback) the
/// peer is the proxy: then the last <c>X-Forwarded-For</c> / <c>X-Forwarded-Proto</c> entry, the one the nearest proxy
/// added, says who connected and how. Those headers are trusted only from a loopback peer, as ASP.NET Core's forwarded
/// headers middleware trusts only loopback proxies by default; from anywhere else they could be anyone's invention.
/// </remarks>
internal static class HttpClientDetails
{
    public static SubmissionClient Of(HttpRequest request)
    {
        var connection = request.HttpContext.Connection;
        var address = connection.RemoteIpAddress;
        var tls = request.HttpContext.Features.Get<ITlsHandshakeFeature>();
        var https = request.IsHttps || tls is not null;
        if (address is not null && IPAddress.IsLoopback(address))
        {
            if (LastEntry(request.Headers["X-Forwarded-For"]) is { } forwarded && ParseAddress(forwarded) is { } client)
            {
                address = client;
            }

            if (LastEntry(request.Headers["X-Forwarded-Proto"]) is { } proto)
            {
                https = string.Equals(proto, "https", StringComparison.OrdinalIgnoreCase);
            }
        }

        return new SubmissionClient
        {
            Address = address,
            Tls = https,
            TlsProtocol = tls?.Protocol,
            CipherSuite = tls?.NegotiatedCipherSuite,
        };
    }

    private static string? LastEntry(Microsoft.Extensions.Primitives.StringValues values)
    {
        var joined = values.ToString();
        if (string.IsNullOrWhiteSpace(joined))
        {
            return null;
        }

        var last = joined[(joined.LastIndexOf(',') + 1)..].Trim();
        return last.Length == 0 ? null : last;
    }

    // "203.0.113.5", "203.0.113.5:52311" (App Service adds the port), "[2001:db8::1]:443", "2001:db8::1".
    private static IPAddress? ParseAddress(string value) =>
        IPAddress.TryParse(value, out var address) ? address
        : IPEndPoint.TryParse(value, out var endpoint) ? endpoint.Address
        : null;
}
