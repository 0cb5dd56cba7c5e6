using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace SmtpFunctions.Ingress.Tests.Fixtures;

/// <summary>
/// An SMTP client that sends exactly the octets it is given (bare LFs, smuggled terminators, overlong lines) and reads
/// replies as they come, with or without TLS. The hostile-input tests need this; real clients refuse to misbehave.
/// </summary>
public sealed class RawSmtpClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);
    private readonly TcpClient _tcp;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private Stream _stream;
    private int _start;
    private int _end;
    private Task<int>? _read;

    private RawSmtpClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>The greeting (or whatever the server said first).</summary>
    public string Greeting { get; private set; } = "";

    /// <summary>Connects from <paramref name="local"/> (127.0.0.1 is the trusted network) and, unless told not to, reads the greeting.</summary>
    public static async Task<RawSmtpClient> ConnectAsync(int port, IPAddress? local = null, bool implicitTls = false, bool readGreeting = true)
    {
        var tcp = new TcpClient(new IPEndPoint(local ?? IPAddress.Loopback, 0));
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var client = new RawSmtpClient(tcp);
        if (implicitTls)
        {
            await client.HandshakeAsync();
        }

        if (readGreeting)
        {
            client.Greeting = await client.ReadReplyAsync();
        }

        return client;
    }

    /// <summary>Sends octets exactly as given.</summary>
    public async Task SendAsync(byte[] octets)
    {
        await _stream.WriteAsync(octets);
        await _stream.FlushAsync();
    }

    /// <summary>Sends text exactly as given (no CRLF added).</summary>
    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends a command line (CRLF added) and reads its reply.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>Reads one reply (all lines of a multi-line one, joined by LF); empty when the server closed the connection.</summary>
    public async Task<string> ReadReplyAsync(TimeSpan? timeout = null)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(timeout ?? DefaultTimeout);
            if (line is null)
            {
                return string.Join('\n', lines);
            }

            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return string.Join('\n', lines);
            }
        }
    }

    /// <summary>True when no reply arrives within <paramref name="wait"/> (the server is still reading).</summary>
    public async Task<bool> IsSilentAsync(TimeSpan wait)
    {
        try
        {
            var line = await ReadLineAsync(wait);
            return line is null ? throw new InvalidOperationException("The server closed the connection.") : false;
        }
        catch (TimeoutException)
        {
            return true;
        }
    }

    /// <summary>True when the server closes the connection within <paramref name="wait"/>.</summary>
    public async Task<bool> IsClosedAsync(TimeSpan wait)
    {
        try
        {
            while (true)
            {
                if (await ReadLineAsync(wait) is null)
                {
                    return true;
                }
            }
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>MAIL FROM, one RCPT TO and DATA, each expected to succeed: the client may send the message next.</summary>
    public async Task BeginMessageAsync(string from, string to)
    {
        Assert.StartsWith("250 2.1.0", await CommandAsync($"MAIL FROM:<{from}>"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.1.5", await CommandAsync($"RCPT TO:<{to}>"), StringComparison.Ordinal);
        Assert.StartsWith("354 ", await CommandAsync("DATA"), StringComparison.Ordinal);
    }

    /// <summary>EHLO, STARTTLS and EHLO again; returns the second EHLO reply.</summary>
    public async Task<string> StartTlsAsync()
    {
        await CommandAsync("EHLO client.test");
        var ready = await CommandAsync("STARTTLS");
        Assert.StartsWith("220 ", ready, StringComparison.Ordinal);
        await HandshakeAsync();
        return await CommandAsync("EHLO client.test");
    }

    /// <summary>AUTH PLAIN with the given credentials; returns the reply.</summary>
    public Task<string> AuthPlainAsync(string user, string password) =>
        CommandAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}")));

    /// <summary>Starts TLS on the connection now (after a 220 to STARTTLS, or at once on the implicit-TLS port).</summary>
    public async Task HandshakeAsync()
    {
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false, (_, certificate, _, _) => IngressServer.IsServerCertificate(certificate));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = IngressServer.Name });
        _stream = tls;
        _start = _end = 0;
        _read = null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }

    private async Task<string?> ReadLineAsync(TimeSpan timeout)
    {
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, lf - _start).TrimEnd('\r');
                _start = lf + 1;
                return line;
            }

            if (_start > 0)
            {
                Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            // A timed-out read stays pending for the next call: cancelling it would leave a TLS stream unusable.
            _read ??= _stream.ReadAsync(_buffer.AsMemory(_end)).AsTask();
            int read;
            try
            {
                read = await _read.WaitAsync(timeout);
            }
            catch (IOException)
            {
                _read = null;
                return null;
            }

            _read = null;
            if (read == 0)
            {
                return null;
            }

            _end += read;
        }
    }
}
