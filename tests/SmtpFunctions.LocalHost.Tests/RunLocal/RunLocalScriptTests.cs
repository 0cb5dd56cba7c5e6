using System.Globalization;
using System.Text.Json;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.LocalHost.Tests.RunLocal;

/// <summary>
/// README command 1, <c>functions/run-local.sh</c>, as a user runs it: the whole system comes up, the curl and swaks
/// commands it prints (run as printed, by bash) send mail that reaches its mail catcher signed, its webhook receiver
/// sees the events, a second start on the same state finds the first one's mail as it left it, and SIGTERM or SIGINT
/// ends every process it started.
/// </summary>
/// <remarks>
/// On free ports and in a state folder of its own (the script's port variables and <c>STATE_DIR</c>), so that it
/// neither collides with the other tests nor touches a developer's <c>.local</c>. Its install steps are what they are
/// on a machine that has run the README's test command: everything present, Release already built.
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RunLocalScriptTests : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromMinutes(2);

    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("run-local-");
    private readonly Dictionary<string, string> _environment;

    public RunLocalScriptTests()
    {
        // smtp-sink drops to the postfix account to write the caught mail under the state folder: it must be able to get there.
        File.SetUnixFileMode(_state.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        _environment = new Dictionary<string, string>
        {
            ["STATE_DIR"] = _state.FullName,
            // The script's own builds must not leave MSBuild nodes behind: every process it starts ends with it.
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        };
        foreach (var name in new[] { "API_PORT", "BLOB_PORT", "QUEUE_PORT", "TABLE_PORT", "SMTP_PORT", "SMTPS_PORT", "INGRESS_HEALTH_PORT", "CATCHER_PORT", "WEBHOOK_PORT" })
        {
            _environment[name] = FreePorts.Next().ToString(CultureInfo.InvariantCulture);
        }
    }

    private string MailFolder => Path.Combine(_state.FullName, "mail");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _state.Delete(recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_printed_commands_send_mail_that_is_caught_signed_a_restart_finds_it_and_a_signal_leaves_nothing_behind()
    {
        string firstId;
        await using (var run = await StartAsync())
        {
            var banner = run.Output;
            firstId = await SendByCurlAndWaitForDeliveryAsync(banner, "first run");

            var mail = await WaitForMailAsync("It works.", "the curl message");
            Assert.Contains("Subject: Hello", mail, StringComparison.Ordinal);
            Assert.Matches(@"(?m)^DKIM-Signature:[^\r\n]*(\r?\n[ \t][^\r\n]*)*\bd=example\.com\b", mail);

            var swaks = await RunPrintedAsync(Printed(banner, "Or over SMTP:", null));
            Assert.True(swaks.ExitCode == 0, "swaks as printed failed:\n" + swaks.Output);
            Assert.Contains("250 2.0.0", swaks.Output, StringComparison.Ordinal);
            // swaks's default subject names the date; its body is swaks's own.
            await WaitForMailAsync("This is a test mailing", "the swaks message");

            await WaitForAsync(() => Task.FromResult(WebhookEvents().Any(e => e.Type == "smtpfunctions.delivered" && e.MessageId == firstId && e.Valid)),
                DeliveryTimeout, "the webhook receiver to get a validly signed delivered event for " + firstId, run);

            await StopAndProveAllGoneAsync(run, ProcessTree.Terminate);
        }

        // The second start finds its keys, domain, subscription and Azurite data in the state folder and uses them, and the
        // first run's last message as it was at the stop: Azurite saved its tables on the way out.
        await using (var again = await StartAsync())
        {
            var secondId = await SendByCurlAndWaitForDeliveryAsync(again.Output, "second run");
            Assert.NotEqual(firstId, secondId);
            var status = await RunPrintedAsync(Printed(again.Output, "Then ask what became of it", "Manage keys").Replace("<id>", firstId, StringComparison.Ordinal));
            Assert.True(Status(status.Output) == "delivered", $"the first run's message {firstId} after the restart:\n{status.Output}");
            await WaitForAsync(() => Task.FromResult(Directory.GetFiles(MailFolder).Length >= 3), DeliveryTimeout, "the second run's message in " + MailFolder, again);
            await StopAndProveAllGoneAsync(again, ProcessTree.Interrupt);
        }
    }

    private async Task<DaemonProcess> StartAsync()
    {
        var run = DaemonProcess.Start("bash", [RepositoryPaths.Combine("functions", "run-local.sh")], RepositoryPaths.Root, _environment);
        try
        {
            await WaitForAsync(() => Task.FromResult(run.Output.Contains("SmtpFunctions is running.", StringComparison.Ordinal)), StartTimeout, "run-local.sh to say it is running", run);
            return run;
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
    }

    private static async Task<string> SendByCurlAndWaitForDeliveryAsync(string banner, string which)
    {
        var send = await RunPrintedAsync(Printed(banner, "Send a mail:", "Then ask what became of it"));
        Assert.True(send.ExitCode == 0, $"{which}: the printed curl failed:\n{send.Output}");
        // 202's body names the id; a refusal is a problem document (its status a number), shown whole.
        Assert.True(Status(send.Output) == "queued", $"{which}: the printed curl was not accepted:\n{send.Output}");
        using var accepted = JsonDocument.Parse(send.Output);
        var id = accepted.RootElement.GetProperty("id").GetString()!;

        var ask = Printed(banner, "Then ask what became of it", "Manage keys").Replace("<id>", id, StringComparison.Ordinal);
        string? last = null;
        await WaitForAsync(async () =>
        {
            (_, last) = await RunPrintedAsync(ask);
            return Status(last) == "delivered";
        }, DeliveryTimeout, () => $"{which}: message {id} to be delivered (last answer: {last})", null);

        using var status = JsonDocument.Parse(last!);
        var recipient = status.RootElement.GetProperty("recipients")[0];
        Assert.Equal(250, recipient.GetProperty("lastReplyCode").GetInt32());
        Assert.Contains("example.com", status.RootElement.GetProperty("dkim").GetString(), StringComparison.Ordinal);
        return id;
    }

    // A signal to the script alone, as `kill PID` (SIGTERM) or Ctrl-C (SIGINT: its children run in sessions of their own,
    // so the terminal's reaches only the script) send it: its trap must end everything it started, within its own grace
    // (the fixture's KILL after that is only a safety net, and this fails before it is needed).
    private static async Task StopAndProveAllGoneAsync(DaemonProcess run, int signal)
    {
        var members = run.ProcessIds;
        Assert.True(members.Count >= 8, $"expected the script, three Azurite processes, the catcher, the local host, the ingress and the webhook receiver; found {members.Count}");
        ProcessTree.Signal(run.Id, signal);
        var allGone = await ProcessTree.WaitForExitAsync(members, TimeSpan.FromSeconds(60));
        var left = members.Where(ProcessTree.IsAlive).ToList();
        // Orphans of the script are no longer in its tree, where the fixture's own stop would look for them.
        foreach (var pid in left)
        {
            ProcessTree.Signal(pid, ProcessTree.Kill);
        }

        Assert.True(allGone, $"still running after signal {signal}: " + string.Join(", ", left) + "\n" + run.Output);
        Assert.Contains("==> Stopping", run.Output, StringComparison.Ordinal);
    }

    // The caught file that holds `marker`, a line of its body: smtp-sink has written its headers by then.
    private async Task<string> WaitForMailAsync(string marker, string what)
    {
        string? found = null;
        await WaitForAsync(() =>
        {
            found = Directory.GetFiles(MailFolder).Select(File.ReadAllText).FirstOrDefault(text => text.Contains(marker, StringComparison.Ordinal));
            return Task.FromResult(found is not null);
        }, DeliveryTimeout, what + " in " + MailFolder, null);
        return found!;
    }

    private IEnumerable<(string? Type, string? MessageId, bool Valid)> WebhookEvents()
    {
        foreach (var line in File.ReadAllLines(Path.Combine(_state.FullName, "logs", "webhooks.log")).Where(l => l.StartsWith('{')))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var data = root.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
            yield return (
                root.TryGetProperty("type", out var type) ? type.GetString() : null,
                data.ValueKind == JsonValueKind.Object && data.TryGetProperty("messageId", out var id) ? id.GetString() : null,
                root.GetProperty("valid").GetBoolean());
        }
    }

    // The command the banner prints between the line starting with `from` and the one starting with `to`: its indented
    // lines, backslash continuations and all, as a user would paste them.
    private static string Printed(string banner, string from, string? to)
    {
        var start = banner.IndexOf(from, StringComparison.Ordinal);
        Assert.True(start >= 0, $"the banner has no '{from}':\n{banner}");
        var end = to is null ? banner.Length : banner.IndexOf(to, start, StringComparison.Ordinal);
        Assert.True(end > start, $"the banner has no '{to}' after '{from}':\n{banner}");
        var lines = banner[start..end].Split('\n').Skip(1).Where(l => l.StartsWith("  ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(lines);
        return string.Join('\n', lines);
    }

    private static async Task<(int ExitCode, string Output)> RunPrintedAsync(string command) =>
        await ChildProcess.RunAsync("bash", ["-c", command], TimeSpan.FromSeconds(60));

    private static string? Status(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String ? status.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Waits on the condition, not on the clock: checked every 200 ms up to a generous deadline, failing at once (with
    // the script's output) if the script has exited.
    private static Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, DaemonProcess? run) =>
        WaitForAsync(condition, timeout, () => what, run);

    // `what` is read when the wait fails, so that it can name the last thing seen.
    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what, DaemonProcess? run)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await SafeAsync(condition))
        {
            if (run is not null && !run.IsRunning)
            {
                Assert.Fail($"run-local.sh exited while waiting for {what()}:\n{run.Output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:F0} s waiting for {what()}" + (run is null ? "" : ":\n" + run.Output));
            }

            await Task.Delay(200);
        }
    }

    // A file being written (the webhook log, a caught mail) may not parse yet: not yet, rather than a failure.
    private static async Task<bool> SafeAsync(Func<Task<bool>> condition)
    {
        try
        {
            return await condition();
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return false;
        }
    }
}
