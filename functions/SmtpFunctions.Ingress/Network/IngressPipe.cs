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

    private readonly Socket _socket;
    private readonly NetworkStream _network;
    private readonly TlsCertificate _certificate;
    private readonly TimeSpan _handshakeTimeout;
    private readonly Action<IngressPipe> _onDispose;
    private SslStream? _tls;
    private bool _disposed;

    /// <summary>Wraps an accepted socket; <paramref name="createWire"/> builds the wire over the socket's stream.</summary>
    public IngressPipe(Socket socket, TlsCertificate certificate, TimeSpan handshakeTimeout, Func<Stream, SmtpWireStream> createWire, Action<IngressPipe> onDispose)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(createWire);
        _socket = socket;
        _network = new NetworkStream(socket, ownsSocket: false);
        _certificate = certificate;
        _handshakeTimeout = handshakeTimeout;
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
            _tls?.Dispose();
            _network.Dispose();
            _socket.Dispose();
        }
        finally
        {
            _onDispose(this);
        }
    }

    private async Task<Stream> HandshakeAsync(Stream transport, SslProtocols protocols, CancellationToken cancellationToken)
    {
        var tls = new SslStream(transport, leaveInnerStreamOpen: true);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_handshakeTimeout);
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
