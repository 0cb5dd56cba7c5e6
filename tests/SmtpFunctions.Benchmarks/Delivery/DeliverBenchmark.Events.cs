using System.Globalization;
using System.Net;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Core.Events;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Tenants;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Postfix;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Benchmarks.Delivery;

/// <summary>The <c>--events</c> variant: the same run with events on and one webhook subscription, dispatched meanwhile.</summary>
public sealed partial class DeliverBenchmark
{
    // A receiver outside our process (its CPU is not ours): answers 204 to every POST and prints a line for each.
    private const string ReceiverScript = """
        import http.server, sys
        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                print("event", flush=True)
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), H).serve_forever()
        """;

    private static async Task RunEventsVariantAsync(
        AzuriteProcess azurite, SmtpSink sink, IPEndPoint dns, DeliverBenchmarkSettings settings, RunResult baseline, string baselineRequests, CancellationToken cancellationToken)
    {
        var address = LoopbackAddresses.Next();
        var port = FreePorts.Next(address);
        var script = Path.Combine(Path.GetTempPath(), $"smtpfunctions-receiver-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(script, ReceiverScript, cancellationToken);
        await using var receiver = DaemonProcess.Start("python3", [script, address.ToString(), port.ToString(CultureInfo.InvariantCulture)]);
        await FreePorts.WaitForListenerAsync(address, port, TimeSpan.FromSeconds(30), () => receiver.IsRunning);

        await using var services = BuildServices(azurite.ConnectionString, sink.Port, dns, events: true);
        var (created, errors) = await services.GetRequiredService<WebhookSubscriptions>().CreateAsync(
            TenantIds.Default, new WebhookSubscriptionRequest { Url = $"http://{address}:{port}/events" }, cancellationToken);
        if (created is null)
        {
            throw new InvalidOperationException("subscription refused: " + errors[0].Detail);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = PumpEventsAsync(services, settings.BatchSize, stop.Token);
        await RunOursAsync(services, settings with { Messages = Math.Min(500, settings.Messages) }, quiet: true, cancellationToken);
        await DrainAsync(services, cancellationToken);

        using var requests = new StorageRequestCounter(azurite.BlobPort, azurite.QueuePort, azurite.TablePort);
        var before = requests.Snapshot();
        var cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var posts = receiver.Output.Split('\n').Length;
        var run = await RunOursAsync(services, settings, quiet: true, cancellationToken);
        await DrainAsync(services, cancellationToken);
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var after = requests.Snapshot();
        posts = receiver.Output.Split('\n').Length - posts;
        await stop.CancelAsync();
        await pump;
        File.Delete(script);

        var n = settings.Messages;
        Print("with events", run, n);
        Console.WriteLine("  events variant (one webhook subscription, dispatched in the same process, until its queue was empty):");
        Console.WriteLine("    " + StorageRequestCounter.PerMessage(before, after, n));
        Console.WriteLine("    without events: " + baselineRequests);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    cpu per message with events and their dispatch {cpu.TotalMilliseconds / n:F2} ms, without events {baseline.Cpu.TotalMilliseconds / n:F2} ms: events add {(cpu - baseline.Cpu).TotalMilliseconds / n:F2} ms; webhook POSTs {posts} ({(double)posts / n:F2} per message)"));
    }

    // The DispatchEvents trigger's work, as the local host's listener does it: receive a batch, handle it, delete.
    private static async Task PumpEventsAsync(ServiceProvider services, int batch, CancellationToken cancellationToken)
    {
        var queue = services.GetRequiredService<EventQueue>().Client;
        var dispatcher = services.GetRequiredService<EventDispatcher>();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                QueueMessage[] messages = (await queue.ReceiveMessagesAsync(batch, TimeSpan.FromSeconds(60), cancellationToken)).Value;
                if (messages.Length == 0)
                {
                    await Task.Delay(50, cancellationToken);
                    continue;
                }

                await Task.WhenAll(messages.Select(async m =>
                {
                    await dispatcher.HandleAsync(m.Body, cancellationToken);
                    await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt, cancellationToken);
                }));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or AggregateException or TaskCanceledException)
            {
                // Azurite stalls now and then (machine-notes.md); the messages come back when their lease runs out.
                Console.WriteLine("    events pump: " + ex.GetType().Name + "; going on");
            }
        }
    }

    private static async Task DrainAsync(ServiceProvider services, CancellationToken cancellationToken)
    {
        var queue = services.GetRequiredService<EventQueue>().Client;
        while (true)
        {
            try
            {
                if ((await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount == 0)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or AggregateException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // An Azurite stall: ask again.
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
