using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Ingress.Memory;
using SmtpFunctions.Ingress.Protocol;

namespace SmtpFunctions.Ingress.Network;

/// <summary>
/// The octets between the TLS layer and SmtpServer's parser: enforces the wire rules SmtpServer does not, receives DATA
/// itself, and gives SmtpServer's replies enhanced status codes.
/// </summary>
/// <remarks>
/// <para>Reading hands SmtpServer one command line per read, so that the mode of the next octets (command or DATA) is
/// always known from the reply written in between (354 starts DATA, 334 an AUTH exchange). Command lines longer than
/// RFC 5321 §4.5.3.1.4 allows, or with a bare CR or LF, are answered here and never reach the parser; so are AUTH before
/// TLS, MAIL/RCPT/DATA before AUTH (the no-open-relay gate) and MAIL/RCPT parameters we do not offer
/// (<see cref="EsmtpParameters"/>).</para>
/// <para>In DATA the <see cref="DataScanner"/> decides where the message ends — only at CRLF "." CRLF — and whether it is
/// clean, and puts the message's octets (unstuffed) into a <see cref="MessageBuffer"/> counted against the process's
/// <see cref="MemoryBudget"/>: the message exists once, here, and SmtpServer is handed only an empty message's
/// "\r\n.\r\n" once it has ended, so its own buffers never hold it. The message store takes it with
/// <see cref="TakeReceived"/>. A message known to be rejected (bare line ending, too large, no memory) is read to its
/// end and dropped. Nothing after the end is handed over in the same read, so pipelined commands stay commands.</para>
/// <para>Deadlines (Postfix's smtpd_timeout with per-request deadlines and smtpd_min_data_rate): a command line must be
/// complete within <see cref="WireSettings.CommandTimeout"/>, DATA within it plus one second per
/// <see cref="WireSettings.MinDataRate"/> octets, no read may wait longer than it, an untrusted client must authenticate
/// within <see cref="WireSettings.PreAuthTimeout"/>, and no session may outlast <see cref="WireSettings.SessionTimeout"/>.
/// While the ingress is under pressure, unauthenticated connections get the stress values; the
/// <see cref="ConnectionSlot"/> wakes waits when that changes, or when the connection is evicted.</para>
/// <para>A client that speaks before the greeting (after <see cref="WireSettings.GreetingDelay"/>) is dropped.</para>
/// </remarks>
public sealed partial class SmtpWireStream : Stream
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';
    private const int BufferSize = 16 * 1024;

    // What the producers return besides a count of octets copied: "look in _pending" (end of stream is 0, as for streams).
    private const int Pending = -1;

    // What SmtpServer gets of every DATA phase: an empty message (the CRLF of the DATA line, then the terminator). The
    // message itself is the wire's (TakeReceived).
    private static readonly byte[] EmptyData = "\r\n.\r\n"u8.ToArray();

    private readonly Socket? _socket;
    private readonly WireSettings _settings;
    private readonly bool _trusted;
    private readonly Func<bool> _isAuthenticated;
    private readonly ConnectionSlot? _slot;
    private readonly MemoryBudget _budget;
    private readonly ILogger _logger;
    // Rented, not allocated: one connection per message made this array an eighth of the process's allocations.
    private byte[] _in = ArrayPool<byte>.Shared.Rent(BufferSize);
    private readonly List<byte> _outLine = [];
    private readonly DateTimeOffset _connectedAt;
    private readonly DateTimeOffset _deadline;
    private Stream _transport;
    private int _inStart;
    private int _inEnd;
    private Task<int>? _fill;
    private ReadOnlyMemory<byte> _pending;
    private bool _inData;
    private DataScanner _scanner = new();
    private MessageBuffer? _content;
    private ReceivedMessage? _received;
    private bool _dropping;
    private bool _outOfMemory;
    private bool _overlong;
    private bool _continuation;
    private bool _greeted;
    private bool _lineInProgress;
    private DateTimeOffset _requestStart;
    private int _errors;
    private string? _verb;
    private string? _authMechanism;
    private bool _foreignAuthorization;
    private long _pendingReservation;
    private long _pendingDeclaredSize;
    private long _transactionReservation;
    private long _transactionDeclaredSize;
    private bool _disposed;

    /// <summary>Wraps a connection's transport (the socket's stream, later the TLS stream over it).</summary>
    public SmtpWireStream(
        Stream transport, Socket? socket, WireSettings settings, bool trusted, Func<bool> isAuthenticated, ConnectionSlot? slot, MemoryBudget budget, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(budget);
        _transport = transport;
        _socket = socket;
        _settings = settings;
        _trusted = trusted;
        _isAuthenticated = isAuthenticated;
        _slot = slot;
        _budget = budget;
        _logger = logger;
        _connectedAt = settings.Time.GetUtcNow();
        _deadline = _connectedAt + settings.SessionTimeout;
        _requestStart = _connectedAt;
    }

    /// <summary>Why the wire closed the connection, or <see cref="WireClose.None"/>.</summary>
    public WireClose CloseReason { get; private set; }

    /// <summary>The DATA size limit this wire enforces.</summary>
    public long MaxMessageBytes => _settings.MaxMessageBytes;

    /// <summary>True when the transport is TLS.</summary>
    public bool IsSecure { get; private set; }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>The DATA phase that just ended: its verdict and octets. Taken once, by the message store, which disposes it.</summary>
    public ReceivedMessage? TakeReceived()
    {
        var received = _received;
        _received = null;
        return received;
    }

    /// <summary>
    /// True when the AUTH PLAIN response now being checked asked to act as another identity (RFC 4616 authzid), which
    /// SmtpServer does not look at; taken once, by the authenticator.
    /// </summary>
    public bool TakeForeignAuthorization()
    {
        var foreign = _foreignAuthorization;
        _foreignAuthorization = false;
        return foreign;
    }

    /// <summary>
    /// Switches to a TLS transport after STARTTLS (or at connect on the implicit-TLS port). Octets the client sent after
    /// STARTTLS but before the handshake are dropped: they were never protected (CVE-2011-0411, command injection).
    /// </summary>
    public async Task<int> UpgradeAsync(Func<Stream, Task<Stream>> handshake, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handshake);
        if (_fill is not null)
        {
            _inEnd += await _fill.WaitAsync(cancellationToken);
            _fill = null;
        }

        var dropped = _inEnd - _inStart;
        _inStart = _inEnd = 0;
        _pending = ReadOnlyMemory<byte>.Empty;
        // RFC 3207 §4.2: the session starts over, without any transaction.
        ReleaseReservations();
        _transport = await handshake(_transport);
        IsSecure = true;
        return dropped;
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (CloseReason != WireClose.None)
            {
                return 0;
            }

            if (!_pending.IsEmpty)
            {
                var count = Math.Min(buffer.Length, _pending.Length);
                _pending[..count].CopyTo(buffer);
                _pending = _pending[count..];
                return count;
            }

            var produced = _inData ? await NextDataAsync(cancellationToken) : await NextCommandLineAsync(cancellationToken);
            if (produced != Pending)
            {
                return produced;
            }
        }
    }

    /// <inheritdoc />
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_greeted)
        {
            _greeted = true;
            if (await IsEarlyTalkerAsync(cancellationToken))
            {
                LogEarlyTalker(_logger);
                await CloseAsync(WireClose.EarlyTalker, $"554 5.5.1 {_settings.ServerName} Error: talked before the greeting", cancellationToken);
                return;
            }
        }

        if (CloseReason != WireClose.None)
        {
            return;
        }

        // Line by line (a reply line ends at CRLF; a bare LF stays part of it), not octet by octet.
        StringBuilder? output = null;
        var span = buffer.Span;
        while (!span.IsEmpty)
        {
            var lf = span.IndexOf(Lf);
            if (lf < 0)
            {
                _outLine.AddRange(span);
                break;
            }

            _outLine.AddRange(span[..(lf + 1)]);
            span = span[(lf + 1)..];
            var line = CollectionsMarshal.AsSpan(_outLine);
            if (line.Length >= 2 && line[^2] == Cr)
            {
                output ??= new StringBuilder();
                output.Append(OnReply(Encoding.UTF8.GetString(line[..^2]))).Append("\r\n");
                _outLine.Clear();
            }
        }

        if (output is not null)
        {
            await _transport.WriteAsync(Encoding.UTF8.GetBytes(output.ToString()), cancellationToken);
        }
    }

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) =>
        CloseReason == WireClose.None ? _transport.FlushAsync(cancellationToken) : Task.CompletedTask;

    /// <inheritdoc />
    public override void Flush() => _transport.Flush();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The wire is asynchronous only.");

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The wire is asynchronous only.");

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Gives back the memory of a message still held (the session ended mid-transaction or mid-DATA).</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _content?.Dispose();
            _content = null;
            _received?.Dispose();
            _received = null;
            ReleaseReservations();
            // A read still pending writes into the array when it completes: then it is left to the collector.
            if (_fill is null || _fill.IsCompleted)
            {
                ArrayPool<byte>.Shared.Return(_in);
            }

            _in = [];
            _inStart = _inEnd = 0;
        }

        base.Dispose(disposing);
    }

    // Reply written by SmtpServer: note the mode it starts and the transaction it opens or ends, and give it an enhanced
    // status code.
    private string OnReply(string line)
    {
        var positive = line.Length > 0 && line[0] == '2';
        switch (_verb)
        {
            case "MAIL":
                // SIZE was reserved before SmtpServer saw the MAIL: it now belongs to the transaction, or goes back.
                if (positive)
                {
                    ReleaseTransaction();
                    (_transactionReservation, _transactionDeclaredSize) = (_pendingReservation, _pendingDeclaredSize);
                }
                else
                {
                    _budget.Release(_pendingReservation);
                }

                (_pendingReservation, _pendingDeclaredSize) = (0, 0);
                break;
            case "RSET" or "EHLO" or "HELO" when positive:
                ReleaseTransaction();
                break;
        }

        if (line.StartsWith("354", StringComparison.Ordinal))
        {
            _inData = true;
            _scanner = new DataScanner();
            _dropping = false;
            _outOfMemory = false;
            _received?.Dispose();
            _received = null;
            _content = new MessageBuffer(_budget, _transactionReservation, _transactionDeclaredSize);
            (_transactionReservation, _transactionDeclaredSize) = (0, 0);
            _requestStart = _settings.Time.GetUtcNow();
            return line;
        }

        _continuation = line.StartsWith("334", StringComparison.Ordinal);
        return EnhancedStatusCodes.Ensure(line, _verb);
    }

    private async ValueTask<int> NextCommandLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!_lineInProgress)
            {
                _lineInProgress = true;
                _requestStart = _settings.Time.GetUtcNow();
            }

            var available = _in.AsSpan(_inStart, _inEnd - _inStart);
            var lf = available.IndexOf(Lf);
            if (lf < 0)
            {
                if (available.Length > LineLimit(available))
                {
                    // Drop what we have and keep dropping until the line ends; answer then, once.
                    _overlong = true;
                    _inStart = _inEnd = 0;
                }

                if (await FillAsync(cancellationToken) == 0)
                {
                    return 0;
                }

                continue;
            }

            var line = available[..(lf + 1)];
            _inStart += lf + 1;
            _lineInProgress = false;
            var continuation = _continuation;
            _continuation = false;
            if (_overlong || line.Length > LineLimit(line))
            {
                _overlong = false;
                LogLineTooLong(_logger);
                if (!await RejectAsync("500 5.5.2 Error: line too long", cancellationToken))
                {
                    return 0;
                }

                continue;
            }

            if (line.Length < 2 || line[^2] != Cr || line[..^2].IndexOfAny(Cr, Lf) >= 0)
            {
                LogBareLineEnding(_logger, "command");
                if (!await RejectAsync("500 5.5.2 Error: bare <CR> or <LF> in a command; lines end with <CRLF>", cancellationToken))
                {
                    return 0;
                }

                continue;
            }

            if (continuation)
            {
                if (_authMechanism == "PLAIN")
                {
                    _foreignAuthorization = PlainCredentials.AsksForAnotherIdentity(line);
                }

                _authMechanism = null;
            }
            else
            {
                _verb = VerbOf(line);
                if ((Gate(_verb) ?? Check(_verb, line)) is { } refusal)
                {
                    if (!await RejectAsync(refusal, cancellationToken))
                    {
                        return 0;
                    }

                    continue;
                }
            }

            var command = (_verb is "MAIL" or "RCPT" && !continuation ? EnvelopeDomains.ToAsciiDomain(line) : null) ?? line.ToArray();
            if (!continuation && _verb == "MAIL" && !await ReserveDeclaredSizeAsync(cancellationToken))
            {
                continue;
            }

            _pending = command;
            return Pending;
        }
    }

    // A command's own rules, beyond the gate: its parameters, and for AUTH PLAIN the identity it asks to act as.
    private string? Check(string verb, ReadOnlySpan<byte> line)
    {
        switch (verb)
        {
            case "MAIL":
                var mail = EsmtpParameters.CheckMail(line, _settings.MaxMessageBytes);
                _pendingDeclaredSize = mail.DeclaredSize ?? 0;
                return mail.Refusal;
            case "RCPT":
                return EsmtpParameters.CheckRcpt(line);
            case "AUTH":
                var words = Encoding.ASCII.GetString(line[..^2]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                _authMechanism = words.Length > 1 ? words[1].ToUpperInvariant() : null;
                _foreignAuthorization = _authMechanism == "PLAIN" && words.Length > 2 && PlainCredentials.AsksForAnotherIdentity(Encoding.ASCII.GetBytes(words[2]));
                if (words.Length > 2)
                {
                    _authMechanism = null;
                }

                return null;
            default:
                return null;
        }
    }

    // SIZE is reserved at MAIL, so that a message the budget cannot hold is turned away before its DATA is sent. False when
    // it was refused (the reply is written).
    private async ValueTask<bool> ReserveDeclaredSizeAsync(CancellationToken cancellationToken)
    {
        var size = _pendingDeclaredSize;
        if (size == 0)
        {
            return true;
        }

        if (_budget.TryReserve(size))
        {
            _pendingReservation = size;
            return true;
        }

        _pendingDeclaredSize = 0;
        LogNoMemory(_logger, size, _budget.InUse, _budget.Limit);
        await WriteDirectAsync("451 4.3.1 Insufficient system resources for a message of this size now; try again later", cancellationToken);
        return false;
    }

    private async ValueTask<int> NextDataAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_inStart == _inEnd && await FillAsync(cancellationToken) == 0)
            {
                return 0;
            }

            var chunk = _in.AsSpan(_inStart, _inEnd - _inStart);
            var consumed = _scanner.Scan(chunk, _dropping ? null : _content);
            _inStart += consumed;
            if (!_dropping && (_scanner.HasBareLineEnding || _scanner.Octets > _settings.MaxMessageBytes || _content!.Refused))
            {
                _dropping = true;
                if (_scanner.HasBareLineEnding)
                {
                    LogBareLineEnding(_logger, "DATA");
                }
                else if (_scanner.Octets > _settings.MaxMessageBytes)
                {
                    LogTooLarge(_logger, _settings.MaxMessageBytes);
                }
                else
                {
                    _outOfMemory = true;
                    LogNoMemory(_logger, _scanner.Octets, _budget.InUse, _budget.Limit);
                }

                // Nothing of a rejected message is kept while the rest of it is read.
                _content!.Dispose();
                _content = null;
            }

            if (_scanner.IsComplete)
            {
                _inData = false;
                _verb = "DATA-END";
                var verdict = new DataVerdict(_scanner.Octets, _scanner.HasBareLineEnding, _scanner.Octets > _settings.MaxMessageBytes, _outOfMemory);
                _received = new ReceivedMessage(verdict, _content);
                _content = null;
                _pending = EmptyData;
                return Pending;
            }
        }
    }

    private string? Gate(string verb)
    {
        if (verb == "AUTH" && !IsSecure)
        {
            return "530 5.7.0 Must issue a STARTTLS command first";
        }

        if (verb is "MAIL" or "RCPT" or "DATA" && !_trusted && !_isAuthenticated())
        {
            return "530 5.7.0 Authentication required";
        }

        return null;
    }

    private int LineLimit(ReadOnlySpan<byte> line) =>
        _continuation || (line.Length >= 5 && Ascii.EqualsIgnoreCase(line[..5], "AUTH "u8))
            ? WireSettings.MaxAuthLineLength
            : _settings.MaxCommandLineLength;

    private static string VerbOf(ReadOnlySpan<byte> line)
    {
        var end = line.IndexOfAny((byte)' ', Cr);
        var verb = end < 0 ? line : line[..end];
        return verb.Length is > 0 and <= 10 ? Encoding.ASCII.GetString(verb).ToUpperInvariant() : "";
    }

    // Answers a refused command; after too many the session ends. False when the connection is now closed.
    private async ValueTask<bool> RejectAsync(string reply, CancellationToken cancellationToken)
    {
        if (++_errors >= _settings.MaxProtocolErrors)
        {
            LogTooManyErrors(_logger, _errors);
            await CloseAsync(WireClose.TooManyErrors, $"421 4.7.0 {_settings.ServerName} Error: too many errors", cancellationToken);
            return false;
        }

        await WriteDirectAsync(reply, cancellationToken);
        return true;
    }

    private async ValueTask<int> FillAsync(CancellationToken cancellationToken)
    {
        if (_fill is null)
        {
            if (_inStart == _inEnd)
            {
                _inStart = _inEnd = 0;
            }
            else if (_inEnd == _in.Length)
            {
                Array.Copy(_in, _inStart, _in, 0, _inEnd - _inStart);
                _inEnd -= _inStart;
                _inStart = 0;
            }

            _fill = _transport.ReadAsync(_in.AsMemory(_inEnd), CancellationToken.None).AsTask();
        }

        var waitStart = _settings.Time.GetUtcNow();
        while (true)
        {
            // Checked even when the octets are there already: a fast trickle or a client that never authenticates must
            // still meet its deadline.
            var (at, reason) = DeadlineFor(waitStart);
            var remaining = at - _settings.Time.GetUtcNow();
            // Read before the flags below: a wake-up after this cancels this very token, one before it set its flag first.
            var wake = _slot?.Wake ?? CancellationToken.None;
            if (_slot is { IsEvicted: true })
            {
                await CloseAsync(WireClose.Evicted, $"421 4.3.2 {_settings.ServerName} Error: too many connections; try again later", cancellationToken);
                return 0;
            }

            // A message being transferred is let finish (its 250 comes after the commit); any other wait is a command the
            // client can send again elsewhere.
            if (_slot is { IsDraining: true } && !_inData)
            {
                await CloseAsync(WireClose.ShuttingDown, $"421 4.3.2 {_settings.ServerName} Service shutting down; try again later", cancellationToken);
                return 0;
            }

            if (remaining <= TimeSpan.Zero)
            {
                LogTimeout(_logger, reason switch { WireClose.SessionTimeLimit => "session", WireClose.PreAuthTimeout => "pre-AUTH", _ => "idle or request" });
                await CloseAsync(reason, reason switch
                {
                    WireClose.SessionTimeLimit => $"421 4.4.2 {_settings.ServerName} Error: session time limit exceeded",
                    WireClose.PreAuthTimeout => $"421 4.4.2 {_settings.ServerName} Error: timeout exceeded waiting for authentication",
                    _ => $"421 4.4.2 {_settings.ServerName} Error: timeout exceeded",
                }, cancellationToken);
                return 0;
            }

            // Octets the socket already had need no timer: a pipelined or fast client's read completes at once.
            if (_fill.IsCompleted)
            {
                return Filled(await _fill);
            }

            using var linked = wake.CanBeCanceled && cancellationToken.CanBeCanceled
                ? CancellationTokenSource.CreateLinkedTokenSource(wake, cancellationToken)
                : null;
            try
            {
                return Filled(await _fill.WaitAsync(remaining, _settings.Time, linked?.Token ?? (wake.CanBeCanceled ? wake : cancellationToken)));
            }
            catch (TimeoutException)
            {
                // The deadline passed (or moved): look again.
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Woken: the pressure changed, the connection was evicted or the ingress drains; look again.
            }
        }
    }

    // The first deadline this wait must meet, and what passing it means.
    private (DateTimeOffset At, WireClose Reason) DeadlineFor(DateTimeOffset waitStart)
    {
        var unauthenticated = !_trusted && !_isAuthenticated();
        var stressed = unauthenticated && _slot is { UnderPressure: true };
        var limit = stressed ? _settings.StressCommandTimeout : _settings.CommandTimeout;
        var at = waitStart + limit;
        var request = _requestStart + limit;
        if (_inData && _settings.MinDataRate > 0)
        {
            request += TimeSpan.FromSeconds(_scanner.Octets / (double)_settings.MinDataRate);
        }

        var reason = WireClose.IdleTimeout;
        if (request < at)
        {
            at = request;
        }

        if (unauthenticated && _settings.PreAuthTimeout is { } preAuth)
        {
            var authBy = _connectedAt + (stressed ? _settings.StressPreAuthTimeout : preAuth);
            if (authBy < at)
            {
                (at, reason) = (authBy, WireClose.PreAuthTimeout);
            }
        }

        return _deadline <= at ? (_deadline, WireClose.SessionTimeLimit) : (at, reason);
    }

    private int Filled(int read)
    {
        _fill = null;
        _inEnd += read;
        return read;
    }

    private async ValueTask<bool> IsEarlyTalkerAsync(CancellationToken cancellationToken)
    {
        if (_settings.GreetingDelay <= TimeSpan.Zero)
        {
            return !IsSecure && _socket is { Available: > 0 };
        }

        _fill = _transport.ReadAsync(_in.AsMemory(_inEnd), CancellationToken.None).AsTask();
        try
        {
            await _fill.WaitAsync(_settings.GreetingDelay, _settings.Time, cancellationToken);
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }

        // Completed during the pause: either the client spoke, or it hung up (0), which the next read reports.
        return _fill.IsCompletedSuccessfully && _fill.Result > 0;
    }

    private async ValueTask CloseAsync(WireClose reason, string reply, CancellationToken cancellationToken)
    {
        try
        {
            await WriteDirectAsync(reply, cancellationToken);
        }
        catch (IOException)
        {
            // The client is gone already; closing is all that is left to do.
        }

        CloseReason = reason;
    }

    private async ValueTask WriteDirectAsync(string reply, CancellationToken cancellationToken)
    {
        await _transport.WriteAsync(Encoding.ASCII.GetBytes(reply + "\r\n"), cancellationToken);
        await _transport.FlushAsync(cancellationToken);
    }

    private void ReleaseTransaction()
    {
        _budget.Release(_transactionReservation);
        (_transactionReservation, _transactionDeclaredSize) = (0, 0);
    }

    private void ReleaseReservations()
    {
        ReleaseTransaction();
        _budget.Release(_pendingReservation);
        (_pendingReservation, _pendingDeclaredSize) = (0, 0);
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Client talked before the greeting; dropped")]
    private static partial void LogEarlyTalker(ILogger logger);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Information, Message = "Command line too long; refused")]
    private static partial void LogLineTooLong(ILogger logger);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Warning, Message = "Bare CR or LF in {Phase}; refused")]
    private static partial void LogBareLineEnding(ILogger logger, string phase);

    [LoggerMessage(EventId = 5204, Level = LogLevel.Information, Message = "Message larger than {Limit} octets; rest of DATA dropped")]
    private static partial void LogTooLarge(ILogger logger, long limit);

    [LoggerMessage(EventId = 5205, Level = LogLevel.Information, Message = "Session closed: {Which} timeout")]
    private static partial void LogTimeout(ILogger logger, string which);

    [LoggerMessage(EventId = 5206, Level = LogLevel.Warning, Message = "Session closed after {Errors} protocol errors")]
    private static partial void LogTooManyErrors(ILogger logger, int errors);

    [LoggerMessage(EventId = 5207, Level = LogLevel.Warning,
        Message = "No memory for a message of {Octets} octets: {InUse} of {Limit} octets in flight; answered 451 4.3.1")]
    private static partial void LogNoMemory(ILogger logger, long octets, long inUse, long limit);
}
