using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SmtpFunctions.Core.Events;

namespace SmtpFunctions.LocalHost.Webhooks;

/// <summary>
/// <c>webhook-receiver --port N [--address 127.0.0.1] --secret whsec_… [--fail-first K]</c>: a local webhook receiver that
/// checks each request's Standard Webhooks signature and prints one JSON line per request (the event, whether the
/// signature held, whether its id was seen before). For trying events out locally (functions/run-local.sh) and for the
/// tests, which start it as a process of its own. <c>--fail-first K</c> answers 500 to the first K signed requests.
/// </summary>
public static class WebhookReceiverCommand
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    /// <summary>Runs until stopped (Ctrl+C, SIGTERM); returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        string? secret = null;
        var address = "127.0.0.1";
        int? port = null;
        var failFirst = 0;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p):
                    port = p;
                    i++;
                    break;
                case "--address" when value is not null:
                    address = value;
                    i++;
                    break;
                case "--secret" when value is not null:
                    secret = value;
                    i++;
                    break;
                case "--fail-first" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var k):
                    failFirst = k;
                    i++;
                    break;
                default:
                    await output.WriteLineAsync($"unknown or incomplete option '{args[i]}'");
                    return Usage(output);
            }
        }

        if (port is null || WebhookSignature.KeyOf(secret) is null)
        {
            return Usage(output);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://{address}:{port}"));
        var app = builder.Build();
        var seen = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var failuresLeft = failFirst;
        var gate = new Lock();
        app.MapPost("/{**path}", async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var id = request.Headers[WebhookSignature.IdHeader].ToString();
            var valid = WebhookSignature.Verify(secret!, id, request.Headers[WebhookSignature.TimestampHeader].ToString(),
                request.Headers[WebhookSignature.SignatureHeader].ToString(), body, DateTimeOffset.UtcNow, Tolerance);
            int status;
            bool duplicate;
            lock (gate)
            {
                status = !valid ? 401 : failuresLeft > 0 ? 500 : 200;
                if (valid && failuresLeft > 0)
                {
                    failuresLeft--;
                }

                duplicate = status == 200 && seen.AddOrUpdate(id, 1, (_, n) => n + 1) > 1;
            }

            var line = new JsonObject
            {
                ["status"] = status,
                ["valid"] = valid,
                ["duplicate"] = duplicate,
                ["webhookId"] = id,
            };
            if (valid && JsonNode.Parse(body) is JsonObject cloudEvent)
            {
                line["type"] = cloudEvent["type"]?.GetValue<string>();
                line["sequence"] = cloudEvent["sequence"]?.GetValue<string>();
                line["subject"] = cloudEvent["subject"]?.GetValue<string>();
                line["data"] = cloudEvent["data"]?.DeepClone();
            }

            lock (gate)
            {
                output.WriteLine(line.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
                output.Flush();
            }

            return Results.StatusCode(status);
        });
        await app.StartAsync();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"webhook-receiver listening on http://{address}:{port}/"));
        await output.FlushAsync();
        await app.WaitForShutdownAsync();
        return 0;
    }

    private static int Usage(TextWriter output)
    {
        output.WriteLine("usage: webhook-receiver --port N [--address 127.0.0.1] --secret whsec_<base64> [--fail-first K]");
        return 2;
    }
}
