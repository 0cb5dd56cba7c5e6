using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpFunctions.Ingress.Tls;
using SmtpServer.IO;

namespace SmtpFunctions.Ingress.Network;

/// <summary>
/// One connection as SmtpServer sees it: socket, optional TLS, and the <see cref="SmtpWireStream"/> above them, from which
/// SmtpServer's reader and writer are made.
/// </summary>
public sealed class IngressPipe : ISecurableDuplexPipe
{
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true);
    private static readonly StreamPipeWriterOptions WriterOptions = new(leaveOpen: true);

    // After the wire closed a session itself (timeout, eviction, errors), the client may still be sending; closing a socket
    // with unread octets resets it, and a reset can destroy the 421 before the client reads it. So: send FIN, then read
    // and drop what still comes, for a moment, before closing (a lingering close).
    private static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(2);
    private const int LingerOctets = 256 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _network;
    private readonly TlsCertificate _certificate;
    private readonly Func<TimeSpan> _handshakeTimeout;
    private readonly ConnectionSlot? _slot;
    private readonly Action<IngressPipe> _onDispose;
    private SslStream? _tls;
    private bool _disposed;

    /// <summary>
    /// Wraps an accepted socket; <paramref name="createWire"/> builds the wire over the socket's stream. The TLS handshake
    /// gets <paramref name="handshakeTimeout"/> (asked when it starts: shorter under pressure) and ends early when the
    /// <paramref name="slot"/> is evicted.
    /// </summary>
    public IngressPipe(
        Socket socket, TlsCertificate certificate, Func<TimeSpan> handshakeTimeout, ConnectionSlot? slot, Func<Stream, SmtpWireStream> createWire, Action<IngressPipe> onDispose)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(handshakeTimeout);
        ArgumentNullException.ThrowIfNull(createWire);
        _socket = socket;
        _network = new NetworkStream(socket, ownsSocket: false);
        _certificate = certificate;
        _handshakeTimeout = handshakeTimeout;
        _slot = slot;
        _onDispose = onDispose;
        Wire = createWire(_network);
        Input = PipeReader.Create(Wire, ReaderOptions);
        Output = PipeWriter.Create(Wire, WriterOptions);
    }

    /// <summary>The wire between TLS and SmtpServer.</summary>
    public SmtpWireStream Wire { get; }

    /// <summary>Octets the client pipelined after STARTTLS, dropped at the upgrade.</summary>
    public int DroppedAtUpgrade { get; private set; }

    /// <summary>True when a TLS handshake was attempted and failed.</summary>
    public bool HandshakeFailed { get; private set; }

    /// <inheritdoc />
    public PipeReader Input { get; private set; }

    /// <inheritdoc />
    public PipeWriter Output { get; private set; }

    /// <inheritdoc />
    public bool IsSecure => Wire.IsSecure;

    /// <inheritdoc />
    public SslProtocols SslProtocol => _tls?.SslProtocol ?? SslProtocols.None;

    /// <summary>The negotiated cipher suite, once TLS is up (for the Received: field).</summary>
    public TlsCipherSuite? CipherSuite => _tls?.NegotiatedCipherSuite;

    /// <summary>Starts TLS with our certificate (and its chain); SmtpServer's certificate argument comes from the same source.</summary>
    public async Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default)
    {
        try
        {
            DroppedAtUpgrade = await Wire.UpgradeAsync(async transport => await HandshakeAsync(transport, protocols, cancellationToken), cancellationToken);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException or TimeoutException)
        {
            HandshakeFailed = true;
            throw;
        }

        Input = PipeReader.Create(Wire, ReaderOptions);
        Output = PipeWriter.Create(Wire, WriterOptions);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            var linger = Wire.CloseReason != WireClose.None;
            Wire.Dispose();
            _tls?.Dispose();
            _network.Dispose();
            if (linger)
            {
                _ = LingerAndCloseAsync(_socket);
            }
            else
            {
                _socket.Dispose();
            }
        }
        finally
        {
            _onDispose(this);
        }
    }

    private static async Task LingerAndCloseAsync(Socket socket)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            using var timeout = new CancellationTokenSource(LingerTime);
            var drained = 0;
            while (drained < LingerOctets)
            {
                var read = await socket.ReceiveAsync(scratch, SocketFlags.None, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                drained += read;
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Gone, or still talking after the pause: either way the connection is closed now.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
            socket.Dispose();
        }
    }

    private async Task<Stream> HandshakeAsync(Stream transport, SslProtocols protocols, CancellationToken cancellationToken)
    {
        var tls = new SslStream(transport, leaveInnerStreamOpen: true);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_handshakeTimeout());
        // An evicted connection stops its handshake at once (a change of pressure wakes the slot too, and does not).
        using var evicted = _slot?.Wake.Register(() =>
        {
            if (_slot.IsEvicted)
            {
                timeout.Cancel();
            }
        });
        try
        {
            await tls.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = _certificate.Context,
                    EnabledSslProtocols = protocols,
                    ClientCertificateRequired = false,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    AllowRenegotiation = false,
                },
                timeout.Token);
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }

        _tls = tls;
        return tls;
    }
}
