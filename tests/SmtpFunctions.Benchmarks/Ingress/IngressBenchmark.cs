using System.Globalization;
using System.Net;
using Azure.Data.Tables;
using SmtpFunctions.Benchmarks.Measurement;
using SmtpFunctions.Benchmarks.Submission;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Postfix;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Benchmarks.Ingress;

/// <summary>
/// Postfix's own load generator, <c>smtp-source -s 10 -m 10000 -l 2048</c>, against our SMTP ingress (from 127.0.0.1,
/// a trusted network, since smtp-source speaks neither TLS nor AUTH) and, in the same run, against a Postfix smtpd
/// that queues to disk; beside them Azurite's ceiling for the same blob + queue + table writes from a minimal client. The
/// three take turns in rounds, so that the shared machine's changing load weighs on each alike.
/// </summary>
public sealed class IngressBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "ingress";

    /// <inheritdoc />
    public string Description => "smtp-source into the SMTP ingress vs Postfix smtpd, msg/s and CPU per 1,000, with Azurite's ceiling (--m 10000 --s 10 --l 2048 --rounds 5)";

    /// <inheritdoc />
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var options = new BenchmarkArguments(args);
        var messages = options.Number("m", 10_000);
        var sessions = options.Number("s", 10);
        var length = options.Number("l", 2048);
        var warmup = options.Number("warmup", 300);
        // The machine is shared: its load drifts over minutes. Ours, Postfix and the ceiling therefore take turns in
        // rounds of messages/rounds each, so that all three see the same drift, instead of one after the other.
        var rounds = Math.Max(1, options.Number("rounds", 5));
        var chunk = messages / rounds;
        messages = chunk * rounds;
        Console.WriteLine($"ingress: smtp-source -s {sessions} -m {messages} -l {length}, one connection per message, in {rounds} alternating rounds, {Environment.ProcessorCount} cores (shared)");

        await using var azurite = await AzuriteProcess.StartAsync(inMemory: true);
        var folder = Directory.CreateTempSubdirectory("bench-ingress-").FullName;
        var port = FreePorts.Next();
        await using var ingress = ChildProcess.Start("dotnet", [BuildOutput.Assembly("SmtpFunctions.Ingress")], environment: new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Ingress__Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Ingress__ImplicitTlsPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Ingress__HealthPort"] = "0",
            ["Ingress__BindAddress"] = "127.0.0.1",
            ["Ingress__ServerName"] = "bench-ingress.test",
            ["Ingress__TrustedNetworks"] = "127.0.0.1/32",
            ["Ingress__DevCertificate"] = "true",
            ["Ingress__DevCertificateFolder"] = folder,
            ["Ingress__CreateStorage"] = "true",
        });
        await FreePorts.WaitForListenerAsync(IPAddress.Loopback, port, TimeSpan.FromSeconds(60), () => ingress.IsRunning);
        var table = new TableClient(azurite.ConnectionString, StorageNames.MessagesTable);

        // Postfix's own submission path: smtpd and cleanup write each message to the on-disk queue; every message is put
        // on hold there so that qmgr and delivery add nothing (we do not deliver in this comparison either).
        var postfixOptions = new PostfixOptions { HostName = "bench-postfix.test" };
        postfixOptions.MainCf["mynetworks"] = "127.0.0.0/8";
        postfixOptions.MainCf["smtpd_recipient_restrictions"] = "check_client_access static:HOLD, permit_mynetworks, reject_unauth_destination";
        await using var postfix = await PostfixInstance.StartAsync(postfixOptions, cancellationToken);

        // The ceiling on an Azurite of its own, filled as ours is (its table gets slower as it grows): as many unmeasured
        // acceptances as our warm-up, then a round beside each of ours.
        await using var ceilingAzurite = await AzuriteProcess.StartAsync(inMemory: true);
        var ceiling = new AzuriteWriteCeiling(ceilingAzurite.ConnectionString);
        await ceiling.CreateAsync(cancellationToken);
        var mimeBytes = length + 300;

        var ingressEndPoint = new IPEndPoint(IPAddress.Loopback, port);
        var warmed = await Warmup.UntilJitQuietAsync(ingress.Id, warmup, maxRounds: 10, n => SmtpSourceAsync(ingressEndPoint, sessions, n, length));
        await SmtpSourceAsync(postfix.EndPoint, sessions, warmup, length);
        await ceiling.WriteAsync(warmed, sessions, mimeBytes, cancellationToken);

        var messagesBefore = await CountMessagesAsync(table, cancellationToken);
        var heldBefore = await postfix.CountQueuedAsync();
        TimeSpan oursElapsed = TimeSpan.Zero, oursCpu = TimeSpan.Zero, oursJit = TimeSpan.Zero, azuriteCpu = TimeSpan.Zero;
        TimeSpan postfixElapsed = TimeSpan.Zero, postfixCpu = TimeSpan.Zero;
        TimeSpan ceilingElapsed = TimeSpan.Zero, ceilingClientCpu = TimeSpan.Zero, ceilingAzuriteCpu = TimeSpan.Zero;
        var ceilingFailures = 0;
        var reports = new List<string>();
        for (var round = 0; round < rounds; round++)
        {
            var cpu = ProcessTree.CpuTime(ingress.Id);
            var jitSampler = ThreadCpuSampler.Start(ingress.Id, ProcessCpu.JitThread);
            var storageCpu = ProcessTree.CpuTime(azurite.ProcessId);
            // No stand-in for delivery draining the queue: Azurite's sends do not slow with a backlog (receives do), and
            // clearing the queue while we write was measured to cost Azurite more than the backlog itself.
            var run = await SmtpSourceAsync(ingressEndPoint, sessions, chunk, length);
            oursCpu += ProcessTree.CpuTime(ingress.Id) - cpu;
            oursJit += await jitSampler.StopAsync();
            azuriteCpu += ProcessTree.CpuTime(azurite.ProcessId) - storageCpu;
            oursElapsed += run.Elapsed;
            reports.Add($"ours, round {round + 1}: exit {run.ExitCode} {Tail(run.Output)}");

            cpu = postfix.CpuTime;
            run = await SmtpSourceAsync(postfix.EndPoint, sessions, chunk, length);
            postfixCpu += postfix.CpuTime - cpu;
            postfixElapsed += run.Elapsed;
            reports.Add($"Postfix, round {round + 1}: exit {run.ExitCode} {Tail(run.Output)}");

            cpu = ProcessCpu.Of(Environment.ProcessId);
            storageCpu = ProcessCpu.Of(ceilingAzurite.ProcessId);
            var written = await ceiling.WriteAsync(chunk, sessions, mimeBytes, cancellationToken);
            ceilingClientCpu += ProcessCpu.Of(Environment.ProcessId) - cpu;
            ceilingAzuriteCpu += ProcessCpu.Of(ceilingAzurite.ProcessId) - storageCpu;
            ceilingElapsed += written.Elapsed;
            ceilingFailures += written.Failures;
        }

        var oursAccepted = await CountMessagesAsync(table, cancellationToken) - messagesBefore;
        var postfixAccepted = await postfix.CountQueuedAsync() - heldBefore;
        var ceilingAccepted = messages - ceilingFailures;
        await ingress.StopAsync();
        Directory.Delete(folder, recursive: true);

        var oursRate = oursAccepted / oursElapsed.TotalSeconds;
        var postfixRate = postfixAccepted / postfixElapsed.TotalSeconds;
        var ceilingRate = ceilingAccepted / ceilingElapsed.TotalSeconds;
        double PerThousand(TimeSpan cpu, int count) => cpu.TotalSeconds * 1000 / Math.Max(count, 1);
        Console.WriteLine();
        Console.WriteLine($"{"",-34}{"accepted",10}{"msg/s",10}{"CPU s/1000",12}");
        Print("SMTP ingress (ours, w/o Azurite)", oursAccepted, oursRate, PerThousand(oursCpu, oursAccepted));
        Print("Postfix smtpd, queue on disk", postfixAccepted, postfixRate, PerThousand(postfixCpu, postfixAccepted));
        Print("Azurite ceiling", ceilingAccepted, ceilingRate, double.NaN);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ours / Azurite ceiling: {oursRate / ceilingRate:P0} (target >= 80 %);  ours / Postfix CPU per message: {PerThousand(oursCpu, oursAccepted) / PerThousand(postfixCpu, postfixAccepted):P0} (target <= 100 %)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"after {warmed} warm-up messages; of our CPU, background JIT (paid once by a long-running host): {PerThousand(oursJit, oursAccepted):F2} s per 1,000"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"The minimal client's own CPU for those writes (Azure SDK, no SMTP, no MIME): {PerThousand(ceilingClientCpu, ceilingAccepted):F2} s per 1,000"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Azurite CPU during our rounds: {PerThousand(azuriteCpu, oursAccepted):F2} s per 1,000, during the ceiling's: {PerThousand(ceilingAzuriteCpu, ceilingAccepted):F2} (one Node process: the bottleneck when it nears one core)"));
        if (oursAccepted < messages || postfixAccepted < messages)
        {
            reports.ForEach(Console.WriteLine);
        }

        return oursAccepted == messages && postfixAccepted == messages ? 0 : 1;
    }

    // One connection per message, as smtp-source does without -d; from 127.0.0.1, a trusted network of both servers.
    private static Task<SmtpSourceResult> SmtpSourceAsync(IPEndPoint target, int sessions, int messages, int length) =>
        SmtpSource.RunAsync(target, new SmtpSourceOptions
        {
            Sessions = sessions,
            Messages = messages,
            BodyLength = length,
            HeloName = "source.bench.test",
            From = "load@example.com",
            To = "sink@example.net",
            Timeout = TimeSpan.FromMinutes(30),
        });

    // Accepted = committed: one message row per accepted message in the status table.
    private static async Task<int> CountMessagesAsync(TableClient table, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>($"RowKey ge '{MessageEntity.RowKeyPrefix}' and RowKey lt 'm;'", select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            count++;
        }

        return count;
    }

    private static string Tail(string output) => output.Length > 600 ? output[^600..] : output;

    private static void Print(string label, int accepted, double rate, double cpuPerThousand) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-34}{accepted,10}{rate,10:F0}{(double.IsNaN(cpuPerThousand) ? "-" : cpuPerThousand.ToString("F2", CultureInfo.InvariantCulture)),12}"));
}
