using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Routing;

namespace SmtpFunctions.Core.Events;

/// <summary>
/// POSTs one signed CloudEvent to a webhook URL. Connections go only to addresses the outbound address policy admits,
/// checked on the addresses actually connected to (a name that resolves to an internal address, or starts to, is refused
/// without a request: no DNS-rebinding way around the policy).
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private readonly HttpClient _client;
    private readonly TimeProvider _time;

    /// <summary>Creates the client.</summary>
    public WebhookSender(OutboundAddressPolicy policy, TimeProvider time, IOptions<EventsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var host = context.DnsEndPoint.Host;
                var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
                var refused = addresses.Select(a => (Address: a, Reason: policy.Refusal(a))).ToList();
                var allowed = refused.Where(r => r.Reason is null).Select(r => r.Address).ToArray();
                if (allowed.Length == 0)
                {
                    throw new WebhookTargetRefusedException(
                        $"{host} resolves only to addresses the outbound address policy refuses: " + string.Join(", ", refused.Select(r => $"{r.Address} ({r.Reason})")));
                }

                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _client = new HttpClient(handler) { Timeout = options.Value.RequestTimeout };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("SmtpFunctions-Webhooks/1.0");
    }

    /// <summary>Sends <paramref name="body"/> (one CloudEvent) to <paramref name="url"/>, signed with <paramref name="secret"/>.</summary>
    public async Task<WebhookResult> SendAsync(Uri url, string secret, string eventId, byte[] body, CancellationToken cancellationToken)
    {
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(CloudEventWriter.ContentType);
        request.Headers.Add(WebhookSignature.IdHeader, eventId);
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(secret, eventId, timestamp, body));
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return response.IsSuccessStatusCode
                ? new WebhookResult(true, null, false)
                : new WebhookResult(false, string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}"), false);
        }
        catch (HttpRequestException ex) when (Refusal(ex) is { } refused)
        {
            return new WebhookResult(false, refused.Message, true);
        }
        catch (HttpRequestException ex)
        {
            return new WebhookResult(false, ex.Message, false);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookResult(false, "timed out", false);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    private static WebhookTargetRefusedException? Refusal(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is WebhookTargetRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }
}
