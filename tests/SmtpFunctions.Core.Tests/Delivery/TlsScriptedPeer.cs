using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SmtpFunctions.Core.Tests.Delivery;

/// <summary>
/// A scripted SMTP peer on a loopback socket that really does STARTTLS (a replayed stream cannot): it offers AUTH only
/// once TLS is up, as a submission server must, and records which commands arrived in clear and which encrypted.
/// </summary>
internal sealed class TlsScriptedPeer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate = CreateCertificate();
    private readonly Task _serving;
    private readonly List<(bool Encrypted, string Line)> _commands = [];

    public TlsScriptedPeer()
    {
        _listener.Start();
        _serving = ServeOneAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The commands received, each marked with whether it came over TLS; complete once the session ended.</summary>
    public async Task<IReadOnlyList<(bool Encrypted, string Line)>> CommandsAsync()
    {
        await _serving.WaitAsync(TimeSpan.FromSeconds(30));
        lock (_commands)
        {
            return [.. _commands];
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _serving.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or TimeoutException)
        {
            // The client never came or left early; the test's assertions say so.
        }

        _certificate.Dispose();
    }

    private async Task ServeOneAsync()
    {
        using var client = await _listener.AcceptTcpClientAsync();
        Stream stream = client.GetStream();
        var encrypted = false;
        var reader = new LineReader(stream);
        await WriteAsync(stream, "220 relay.test ESMTP");
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_commands)
            {
                _commands.Add((encrypted, line));
            }

            var verb = line.Split(' ', 2)[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await WriteAsync(stream, encrypted ? "250-relay.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME" : "250-relay.test\r\n250-STARTTLS\r\n250 8BITMIME");
                    break;
                case "STARTTLS":
                    await WriteAsync(stream, "220 2.0.0 Ready to start TLS");
                    var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                    await tls.AuthenticateAsServerAsync(_certificate);
                    stream = tls;
                    reader = new LineReader(stream);
                    encrypted = true;
                    break;
                case "AUTH" when !encrypted:
                    await WriteAsync(stream, "538 5.7.11 Encryption required for requested authentication mechanism");
                    break;
                case "AUTH" when line.Split(' ').Length == 2:
                    await WriteAsync(stream, "334 ");
                    break;
                case "AUTH":
                    await WriteAsync(stream, "235 2.7.0 Authentication successful");
                    break;
                case "DATA":
                    await WriteAsync(stream, "354 End data with <CR><LF>.<CR><LF>");
                    while (await reader.ReadLineAsync() is { } data && data != ".")
                    {
                    }

                    await WriteAsync(stream, "250 2.0.0 Ok: queued");
                    break;
                case "QUIT":
                    await WriteAsync(stream, "221 2.0.0 Bye");
                    return;
                default:
                    // MAIL, RCPT, RSET, NOOP, and the base64 line after "334 ".
                    await WriteAsync(stream, line.Length > 0 && !line.Contains(' ', StringComparison.Ordinal) && verb is not ("RSET" or "NOOP")
                        ? "235 2.7.0 Authentication successful"
                        : "250 2.0.0 Ok");
                    break;
            }
        }
    }

    private static Task WriteAsync(Stream stream, string reply) => stream.WriteAsync(Encoding.ASCII.GetBytes(reply + "\r\n")).AsTask();

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=relay.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    // Reads CRLF-terminated lines byte by byte, so that nothing after STARTTLS's line is buffered in clear.
    private sealed class LineReader(Stream stream)
    {
        public async Task<string?> ReadLineAsync()
        {
            var line = new StringBuilder();
            var one = new byte[1];
            while (await stream.ReadAsync(one) == 1)
            {
                if (one[0] == '\n')
                {
                    return line.ToString().TrimEnd('\r');
                }

                line.Append((char)one[0]);
            }

            return line.Length > 0 ? line.ToString() : null;
        }
    }
}
