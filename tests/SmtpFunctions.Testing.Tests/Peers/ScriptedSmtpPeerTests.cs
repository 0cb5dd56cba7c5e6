using System.Diagnostics;
using System.Net.Sockets;
using SmtpFunctions.Testing.Peers;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Testing.Tests.Peers;

/// <summary>The scripted peer misbehaves exactly as promised, seen by a raw socket and by swaks (an independent client).</summary>
public sealed class ScriptedSmtpPeerTests
{
    private static readonly TimeSpan ProcessWait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Silent_AcceptsTheConnectionAndWritesNothing()
    {
        await using var peer = ScriptedSmtpPeer.Start(LoopbackAddresses.Next(), 0, ScriptedPeerMode.Silent);
        using var client = new TcpClient();
        await client.ConnectAsync(peer.EndPoint);
        await peer.WaitForConnectionAsync(TimeSpan.FromSeconds(10));

        // Silence can only be shown over a window; a second of it is plenty for a peer that would greet at once.
        using var window = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var read = client.GetStream().ReadAsync(new byte[16], window.Token).AsTask();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
        Assert.Equal(1, peer.Connections);
    }

    [Fact]
    public async Task DripGreeting_SendsOneByteAtATime_AtTheInterval()
    {
        var interval = TimeSpan.FromMilliseconds(200);
        await using var peer = ScriptedSmtpPeer.Start(LoopbackAddresses.Next(), 0, ScriptedPeerMode.DripGreeting, interval);
        using var client = new TcpClient();
        // Timed from before the connection: the first byte leaves on accept, before a watch started after it could run.
        var watch = Stopwatch.StartNew();
        await client.ConnectAsync(peer.EndPoint);
        var stream = client.GetStream();
        var buffer = new byte[64];
        var text = new List<byte>();

        for (var i = 0; i < 5; i++)
        {
            var n = await stream.ReadAsync(buffer);
            Assert.Equal(1, n);
            text.Add(buffer[0]);
        }

        Assert.Equal("220-d"u8.ToArray(), text);
        // Five bytes, four intervals between them at the least.
        Assert.True(watch.Elapsed >= interval * 4, $"5 bytes in {watch.Elapsed}");
    }

    [Fact]
    public async Task BrokenStartTls_TakesMailInCleartext_ButBreaksTheTlsHandshake()
    {
        await using var peer = ScriptedSmtpPeer.Start(LoopbackAddresses.Next(), 0, ScriptedPeerMode.BrokenStartTls);
        string[] common = ["--server", $"{peer.Address}:{peer.EndPoint.Port}", "--from", "a@client.test", "--to", "b@peer.test", "--body", "plain text body"];

        await using var plain = ChildProcess.Start("swaks", common);
        await plain.WaitForExitAsync(new CancellationTokenSource(ProcessWait).Token);
        await using var tls = ChildProcess.Start("swaks", [.. common, "--tls"]);
        await tls.WaitForExitAsync(new CancellationTokenSource(ProcessWait).Token);

        Assert.True(plain.ExitCode == 0, plain.Output);
        Assert.Contains("plain text body", Assert.Single(peer.Messages), StringComparison.Ordinal);
        Assert.NotEqual(0, tls.ExitCode);
        Assert.Contains("STARTTLS", tls.Output, StringComparison.Ordinal);
        Assert.Equal(2, peer.Connections);
    }
}
