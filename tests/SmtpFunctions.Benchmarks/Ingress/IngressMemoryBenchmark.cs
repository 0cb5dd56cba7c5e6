using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SmtpFunctions.Benchmarks.Measurement;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Benchmarks.Ingress;

/// <summary>
/// Memory of the SMTP ingress under large messages (issue 11): N clients submit one M MiB message each at the same time
/// (from 127.0.0.1, a trusted network, so that TLS and AUTH add nothing), optionally under a heap limit
/// (<c>DOTNET_GCHeapHardLimit</c>, the deployed replica's size). Prints the ingress's peak RSS, what it is per message
/// in flight, and every reply by code: a message refused for memory gets <c>451 4.3.1</c> (or, before the admission
/// limit existed, <c>451 4.3.0</c> after an OutOfMemoryException). <c>--ingress-dll</c> runs another build (a baseline).
/// </summary>
public sealed class IngressMemoryBenchmark : IBenchmark
{
    private const int MiB = 1024 * 1024;

    /// <inheritdoc />
    public string Name => "ingress-memory";

    /// <inheritdoc />
    public string Description => "N parallel M MiB messages over SMTP into the ingress: peak RSS and replies (--parallel 30 --mib 20 --heap-limit-mib 0 --no-size 0 --ingress-dll PATH)";

    /// <inheritdoc />
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var options = new BenchmarkArguments(args);
        var parallel = options.Number("parallel", 30);
        var mib = options.Number("mib", 20);
        var heapLimitMib = options.Number("heap-limit-mib", 0);
        var declareSize = options.Number("no-size", 0) == 0;
        var dll = options.Text("ingress-dll") ?? BuildOutput.Assembly("SmtpFunctions.Ingress");
        var message = Message(mib * MiB);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ingress-memory: {parallel} parallel messages of {message.Length / (double)MiB:F1} MiB over SMTP ({(declareSize ? "with" : "without")} SIZE), heap limit {(heapLimitMib > 0 ? $"{heapLimitMib} MiB" : "none")}, {Environment.ProcessorCount} cores (shared)"));
        Console.WriteLine($"ingress: {dll}");

        // On disk: hundreds of MiB of blobs would crowd a Node heap.
        await using var azurite = await AzuriteProcess.StartAsync(inMemory: false);
        var folder = Directory.CreateTempSubdirectory("bench-ingress-memory-").FullName;
        var port = FreePorts.Next();
        var environment = IngressUnderTest.Environment(azurite, port, folder);
        environment["Ingress__MaxConnectionsPerClient"] = (parallel + 10).ToString(CultureInfo.InvariantCulture);
        environment["Submission__MaxMessageBytes"] = Math.Max(26_214_400, message.Length + MiB).ToString(CultureInfo.InvariantCulture);
        environment["Logging__LogLevel__Default"] = "Warning";
        if (heapLimitMib > 0)
        {
            environment["DOTNET_GCHeapHardLimit"] = "0x" + ((long)heapLimitMib * MiB).ToString("X", CultureInfo.InvariantCulture);
        }

        await using var ingress = ChildProcess.Start("dotnet", [dll], environment: environment);
        await FreePorts.WaitForListenerAsync(IPAddress.Loopback, port, TimeSpan.FromSeconds(60), () => ingress.IsRunning);

        // One small message first, so that start-up (JIT, storage clients) is in the baseline, not in the peak's share.
        await SubmitAsync(port, Message(4096), declareSize, cancellationToken);
        var idle = Rss(ingress.Id);
        using var sampling = new CancellationTokenSource();
        var sampler = SampleAsync(ingress.Id, sampling.Token);
        var started = Stopwatch.GetTimestamp();
        var replies = await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => SubmitAsync(port, message, declareSize, cancellationToken)));
        var elapsed = Stopwatch.GetElapsedTime(started);
        await sampling.CancelAsync();
        var sampledPeak = await sampler;
        var highWater = Status(ingress.Id, "VmHWM:");
        var output = ingress.Output;
        await ingress.StopAsync();
        Directory.Delete(folder, recursive: true);

        var inFlight = (double)parallel * message.Length;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RSS idle (after one small message): {idle / (double)MiB,8:F0} MiB"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RSS peak (VmHWM):                   {highWater / (double)MiB,8:F0} MiB   (sampled every 20 ms: {sampledPeak / (double)MiB:F0} MiB)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak above idle per octet submitted: {(highWater - idle) / inFlight,8:F2}   ({parallel} x {message.Length / (double)MiB:F1} MiB = {inFlight / MiB:F0} MiB)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"elapsed: {elapsed.TotalSeconds:F1} s"));
        foreach (var group in replies.GroupBy(Code).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {group.Count(),3} x {group.First()}");
        }

        var outOfMemory = output.Split('\n').Count(line => line.Contains("OutOfMemoryException", StringComparison.Ordinal));
        var refusedForMemory = replies.Count(r => r.StartsWith("451 4.3.1", StringComparison.Ordinal) || r.StartsWith("451 4.3.0", StringComparison.Ordinal));
        Console.WriteLine($"refused for memory: {refusedForMemory} of {parallel} (OutOfMemoryException lines in the ingress's log: {outOfMemory})");
        return replies.All(r => r.StartsWith("250", StringComparison.Ordinal)) ? 0 : 1;
    }

    // The status code and enhanced code of a reply ("250 2.0.0"), to group replies by.
    private static string Code(string reply) => reply.Length >= 9 ? reply[..9] : reply;

    // A message of about `size` octets: headers, and a base64 attachment in 76-character lines, as mail programs send.
    private static byte[] Message(int size)
    {
        var builder = new StringBuilder(size + 1024);
        builder.Append("From: <load@example.com>\r\nTo: <sink@example.net>\r\nSubject: memory benchmark\r\n")
            .Append("Date: Sat, 28 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n")
            .Append("Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe attachment.\r\n")
            .Append("--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\n\r\n");
        var random = new Random(11);
        var chunk = new byte[57];
        while (builder.Length < size - 16)
        {
            random.NextBytes(chunk);
            builder.Append(Convert.ToBase64String(chunk)).Append("\r\n");
        }

        builder.Append("--b--\r\n");
        return Encoding.ASCII.GetBytes(builder.ToString());
    }

    // One plain SMTP transaction; returns the reply to the end of DATA (or what ended the session instead).
    private static async Task<string> SubmitAsync(int port, byte[] message, bool declareSize, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        var stream = tcp.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        async Task<string> ReplyAsync()
        {
            while (true)
            {
                var line = await reader.ReadLineAsync(cancellationToken) ?? "(connection closed)";
                if (line.Length < 4 || line[3] != '-')
                {
                    return line;
                }
            }
        }

        async Task<string> CommandAsync(string command)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), cancellationToken);
            return await ReplyAsync();
        }

        await ReplyAsync();
        await CommandAsync("EHLO bench.client.test");
        var mail = await CommandAsync(declareSize ? $"MAIL FROM:<load@example.com> SIZE={message.Length}" : "MAIL FROM:<load@example.com>");
        if (!mail.StartsWith("250", StringComparison.Ordinal))
        {
            return mail;
        }

        await CommandAsync("RCPT TO:<sink@example.net>");
        var data = await CommandAsync("DATA");
        if (!data.StartsWith("354", StringComparison.Ordinal))
        {
            return data;
        }

        await stream.WriteAsync(message, cancellationToken);
        var end = await CommandAsync(".");
        await CommandAsync("QUIT");
        return end;
    }

    private static async Task<long> SampleAsync(int pid, CancellationToken cancellationToken)
    {
        long peak = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                peak = Math.Max(peak, Rss(pid));
                await Task.Delay(20, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }

        return peak;
    }

    private static long Rss(int pid) => Status(pid, "VmRSS:");

    // A "Name:   1234 kB" line of /proc/PID/status, in octets.
    private static long Status(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
