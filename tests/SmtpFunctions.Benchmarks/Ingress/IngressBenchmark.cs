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
/// that queues to disk; beside them Azurite's ceiling for the same blob + queue + table writes from a minimal client.
/// </summary>
public sealed class IngressBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "ingress";

    /// <inheritdoc />
    public string Description => "smtp-source into the SMTP ingress vs Postfix smtpd, msg/s and CPU per 1,000, with Azurite's ceiling (--m 10000 --s 10 --l 2048)";

    /// <inheritdoc />
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var options = new BenchmarkArguments(args);
        var messages = options.Number("m", 10_000);
        var sessions = options.Number("s", 10);
        var length = options.Number("l", 2048);
        var warmup = options.Number("warmup", 300);
        // The ceiling writes as many acceptances as we do, after as many unmeasured ones as our warm-up: Azurite's table
        // gets slower as it fills, so a shorter ceiling run on an emptier Azurite would look faster than it is.
        var ceilingCount = options.Number("ceiling", messages);
        Console.WriteLine($"ingress: smtp-source -s {sessions} -m {messages} -l {length}, one connection per message, {Environment.ProcessorCount} cores (shared)");

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

        var ingressEndPoint = new IPEndPoint(IPAddress.Loopback, port);
        var warmed = await Warmup.UntilJitQuietAsync(ingress.Id, warmup, maxRounds: 10, n => SmtpSourceAsync(ingressEndPoint, sessions, n, length));
        var ceilingBefore = await AzuriteWriteCeiling.OnOwnAzuriteAsync(warmed, ceilingCount, sessions, length + 300, cancellationToken);

        var messagesBefore = await CountMessagesAsync(table, cancellationToken);
        var oursCpu = ProcessTree.CpuTime(ingress.Id);
        var oursJitSampler = ThreadCpuSampler.Start(ingress.Id, ProcessCpu.JitThread);
        var azuriteCpu = ProcessTree.CpuTime(azurite.ProcessId);
        // No stand-in for delivery draining the queue: Azurite's sends do not slow with a backlog (receives do), and
        // clearing the queue while we write was measured to cost Azurite more than the backlog itself.
        var oursRun = await SmtpSourceAsync(ingressEndPoint, sessions, messages, length);
        oursCpu = ProcessTree.CpuTime(ingress.Id) - oursCpu;
        var oursJit = await oursJitSampler.StopAsync();
        azuriteCpu = ProcessTree.CpuTime(azurite.ProcessId) - azuriteCpu;
        var oursAccepted = await CountMessagesAsync(table, cancellationToken) - messagesBefore;

        // The client's CPU is taken from the second ceiling run, when the Azure SDK in this process is past its first-use costs.
        var ceilingAfter = await AzuriteWriteCeiling.OnOwnAzuriteAsync(warmed, ceilingCount, sessions, length + 300, cancellationToken);
        await ingress.StopAsync();
        Directory.Delete(folder, recursive: true);

        // Postfix's own submission path: smtpd and cleanup write each message to the on-disk queue; every message is put
        // on hold there so that qmgr and delivery add nothing (we do not deliver in this comparison either).
        var postfixOptions = new PostfixOptions { HostName = "bench-postfix.test" };
        postfixOptions.MainCf["mynetworks"] = "127.0.0.0/8";
        postfixOptions.MainCf["smtpd_recipient_restrictions"] = "check_client_access static:HOLD, permit_mynetworks, reject_unauth_destination";
        SmtpSourceResult postfixRun;
        TimeSpan postfixCpu;
        int postfixAccepted;
        await using (var postfix = await PostfixInstance.StartAsync(postfixOptions, cancellationToken))
        {
            await SmtpSourceAsync(postfix.EndPoint, sessions, warmup, length);
            var heldBefore = await postfix.CountQueuedAsync();
            postfixCpu = postfix.CpuTime;
            postfixRun = await SmtpSourceAsync(postfix.EndPoint, sessions, messages, length);
            postfixCpu = postfix.CpuTime - postfixCpu;
            postfixAccepted = await postfix.CountQueuedAsync() - heldBefore;
        }

        var ceiling = (ceilingBefore.Result.PerSecond + ceilingAfter.Result.PerSecond) / 2;
        var oursRate = oursAccepted / oursRun.Elapsed.TotalSeconds;
        var postfixRate = postfixAccepted / postfixRun.Elapsed.TotalSeconds;
        Console.WriteLine();
        Console.WriteLine($"{"",-34}{"accepted",10}{"msg/s",10}{"CPU s/1000",12}");
        Print("SMTP ingress (ours, w/o Azurite)", oursAccepted, oursRate, oursCpu.TotalSeconds * 1000 / Math.Max(oursAccepted, 1));
        Print("Postfix smtpd, queue on disk", postfixAccepted, postfixRate, postfixCpu.TotalSeconds * 1000 / Math.Max(postfixAccepted, 1));
        Print("Azurite ceiling (before)", ceilingCount - ceilingBefore.Result.Failures, ceilingBefore.Result.PerSecond, double.NaN);
        Print("Azurite ceiling (after)", ceilingCount - ceilingAfter.Result.Failures, ceilingAfter.Result.PerSecond, double.NaN);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ours / Azurite ceiling: {oursRate / ceiling:P0} (target >= 80 %);  ours / Postfix CPU per message: {oursCpu.TotalSeconds / Math.Max(oursAccepted, 1) / (postfixCpu.TotalSeconds / Math.Max(postfixAccepted, 1)):P0} (target <= 100 %)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"after {warmed} warm-up messages; of our CPU, background JIT (paid once by a long-running host): {oursJit.TotalSeconds * 1000 / Math.Max(oursAccepted, 1):F2} s per 1,000"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"The minimal client's own CPU for those writes (Azure SDK, no SMTP, no MIME): {ceilingAfter.ClientCpuPerThousand:F2} s per 1,000"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Azurite CPU during our run: {azuriteCpu.TotalSeconds * 1000 / Math.Max(oursAccepted, 1):F2} s per 1,000, during the ceiling runs: {ceilingBefore.AzuriteCpuPerThousand:F2} and {ceilingAfter.AzuriteCpuPerThousand:F2} (one Node process: the bottleneck when it nears one core)"));
        if (oursAccepted < messages || postfixAccepted < messages)
        {
            Console.WriteLine($"smtp-source reported (ours): exit {oursRun.ExitCode} {Tail(oursRun.Output)}");
            Console.WriteLine($"smtp-source reported (Postfix): exit {postfixRun.ExitCode} {Tail(postfixRun.Output)}");
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
        await foreach (var _ in table.QueryAsync<TableEntity>($"RowKey eq '{MessageEntity.RowKeyValue}'", select: ["PartitionKey"], cancellationToken: cancellationToken))
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
