using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Ingress.Protocol;

namespace SmtpFunctions.Ingress.Network;

/// <summary>
/// The octets between the TLS layer and SmtpServer's parser: enforces the wire rules SmtpServer does not, and gives
/// its replies enhanced status codes.
/// </summary>
/// <remarks>
/// <para>Reading hands SmtpServer one command line per read, so that the mode of the next octets (command or DATA) is
/// always known from the reply written in between (354 starts DATA, 334 an AUTH exchange). Command lines longer than
/// RFC 5321 §4.5.3.1.4 allows, or with a bare CR or LF, are answered here and never reach the parser; so are AUTH before
/// TLS and MAIL/RCPT/DATA before AUTH (the no-open-relay gate).</para>
/// <para>In DATA the <see cref="DataScanner"/> decides where the message ends — only at CRLF "." CRLF, exactly where
/// SmtpServer's own search ends it — and whether it is clean. Nothing after the end is handed over in the same read, so
/// pipelined commands stay commands. A CRLF is put in front of the data so that SmtpServer, which looks for
/// "\r\n.\r\n" and unstuffs "\r\n..", also sees an empty message and a dot-stuffed first line correctly; the message
/// store removes it. Once a message is known to be rejected (bare line ending, too large) its remaining octets are
/// read and dropped, so an oversized message never sits in memory.</para>
/// <para>A client that speaks before the greeting (after <see cref="WireSettings.GreetingDelay"/>) is dropped.</para>
/// </remarks>
public sealed partial class SmtpWireStream : Stream
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';
    private const int BufferSize = 16 * 1024;

    // What the producers return besides a count of octets copied: "look in _pending" (end of stream is 0, as for streams).
    private const int Pending = -1;
    private static readonly byte[] DataPrefix = "\r\n"u8.ToArray();

    // Ends a rejected message for SmtpServer: the 'X' keeps it from forming "\r\n.\r\n" with what was already handed over.
    private static readonly byte[] DroppedDataEnd = "X\r\n.\r\n"u8.ToArray();

    private readonly Socket? _socket;
    private readonly WireSettings _settings;
    private readonly bool _trusted;
    private readonly Func<bool> _isAuthenticated;
    private readonly ILogger _logger;
    private readonly byte[] _in = new byte[BufferSize];
    private readonly List<byte> _outLine = [];
    private readonly DateTimeOffset _deadline;
    private Stream _transport;
    private int _inStart;
    private int _inEnd;
    private Task<int>? _fill;
    private ReadOnlyMemory<byte> _pending;
    private bool _inData;
    private DataScanner _scanner = new();
    private bool _dropping;
    private bool _overlong;
    private bool _continuation;
    private bool _greeted;
    private int _errors;
    private string? _verb;
    private DataVerdict? _verdict;

    /// <summary>Wraps a connection's transport (the socket's stream, later the TLS stream over it).</summary>
    public SmtpWireStream(Stream transport, Socket? socket, WireSettings settings, bool trusted, Func<bool> isAuthenticated, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _transport = transport;
        _socket = socket;
        _settings = settings;
        _trusted = trusted;
        _isAuthenticated = isAuthenticated;
        _logger = logger;
        _deadline = settings.Time.GetUtcNow() + settings.SessionTimeout;
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

    /// <summary>The verdict on the DATA phase that just ended; taken once, by the message store.</summary>
    public DataVerdict? TakeDataVerdict()
    {
        var verdict = _verdict;
        _verdict = null;
        return verdict;
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

            var produced = _inData ? await NextDataAsync(buffer, cancellationToken) : await NextCommandLineAsync(cancellationToken);
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

        var span = buffer.Span;
        var output = new StringBuilder();
        foreach (var b in span)
        {
            _outLine.Add(b);
            if (b == Lf && _outLine.Count >= 2 && _outLine[^2] == Cr)
            {
                var line = Encoding.UTF8.GetString(_outLine.ToArray(), 0, _outLine.Count - 2);
                _outLine.Clear();
                output.Append(OnReply(line)).Append("\r\n");
            }
        }

        if (output.Length > 0)
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

    // Reply written by SmtpServer: note the mode it starts, and give it an enhanced status code.
    private string OnReply(string line)
    {
        if (line.StartsWith("354", StringComparison.Ordinal))
        {
            _inData = true;
            _scanner = new DataScanner();
            _dropping = false;
            _verdict = null;
            _pending = DataPrefix;
            return line;
        }

        _continuation = line.StartsWith("334", StringComparison.Ordinal);
        return EnhancedStatusCodes.Ensure(line, _verb);
    }

    private async ValueTask<int> NextCommandLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
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

            if (!continuation)
            {
                _verb = VerbOf(line);
                if (Gate(_verb) is { } refusal)
                {
                    if (!await RejectAsync(refusal, cancellationToken))
                    {
                        return 0;
                    }

                    continue;
                }
            }

            _pending = (_verb is "MAIL" or "RCPT" ? EnvelopeDomains.ToAsciiDomain(line) : null) ?? line.ToArray();
            return Pending;
        }
    }

    private async ValueTask<int> NextDataAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_inStart == _inEnd && await FillAsync(cancellationToken) == 0)
            {
                return 0;
            }

            var chunk = _in.AsSpan(_inStart, Math.Min(_inEnd - _inStart, buffer.Length));
            var dropping = _dropping;
            var consumed = _scanner.Scan(chunk);
            if (!dropping)
            {
                chunk[..consumed].CopyTo(buffer.Span);
            }

            _inStart += consumed;
            if (!_dropping && (_scanner.HasBareLineEnding || _scanner.Octets > _settings.MaxMessageBytes))
            {
                _dropping = true;
                if (_scanner.HasBareLineEnding)
                {
                    LogBareLineEnding(_logger, "DATA");
                }
                else
                {
                    LogTooLarge(_logger, _settings.MaxMessageBytes);
                }
            }

            if (_scanner.IsComplete)
            {
                _inData = false;
                _verb = "DATA-END";
                _verdict = new DataVerdict(_scanner.Octets, _scanner.HasBareLineEnding, _scanner.Octets > _settings.MaxMessageBytes);
                if (dropping)
                {
                    _pending = DroppedDataEnd;
                    return Pending;
                }
            }

            if (!dropping && consumed > 0)
            {
                return consumed;
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

        // Octets the socket already had need no timer: a pipelined or fast client's read completes at once.
        if (_fill.IsCompleted)
        {
            return Filled(await _fill);
        }

        var remaining = _deadline - _settings.Time.GetUtcNow();
        var sessionLimited = remaining <= _settings.CommandTimeout;
        int read;
        try
        {
            read = await _fill.WaitAsync(sessionLimited ? TimeSpan.FromTicks(Math.Max(remaining.Ticks, 0)) : _settings.CommandTimeout, _settings.Time, cancellationToken);
        }
        catch (TimeoutException)
        {
            LogTimeout(_logger, sessionLimited ? "session" : "idle");
            await CloseAsync(
                sessionLimited ? WireClose.SessionTimeLimit : WireClose.IdleTimeout,
                sessionLimited ? $"421 4.4.2 {_settings.ServerName} Error: session time limit exceeded" : $"421 4.4.2 {_settings.ServerName} Error: timeout exceeded",
                cancellationToken);
            return 0;
        }

        return Filled(read);
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
}
