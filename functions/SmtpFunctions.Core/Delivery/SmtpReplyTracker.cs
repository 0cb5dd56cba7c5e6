using System.Buffers.Text;
using System.Text;
using MailKit;

namespace SmtpFunctions.Core.Delivery;

/// <summary>
/// Follows the SMTP dialogue as MailKit's protocol logger sees it — in plain text, above TLS, as each write completes and
/// each read returns — and keeps the queue of replies the client is waiting for, each with its stage and the moment
/// the wait for it began. The deadline stream below TLS asks it which reply a read is waiting for.
/// </summary>
/// <remarks>
/// With PIPELINING, MailKit sends MAIL and every RCPT at once and reads all their replies before it looks at any, so
/// only the byte stream tells where one reply ends: each reply's wait begins when its command went out or the reply
/// before it ended, whichever is later, and gets its stage's RFC 5321 §4.5.3.2 timeout. A reply ends at a line whose
/// code is followed by a space (§4.2.1). After DATA's 354 the client sends content: the reply to the end of data is
/// awaited once the content ends with CRLF.CRLF (dot-stuffing, §4.5.2, keeps that sequence out of the content), or,
/// with BDAT, once the chunk's octets are out (RFC 3030).
/// </remarks>
internal sealed class SmtpReplyTracker(TimeProvider time) : IProtocolLogger
{
    private const int KeptLine = 32;
    private readonly Queue<SmtpStage> _awaited = new([SmtpStage.Greeting]);
    private readonly byte[] _clientLine = new byte[KeptLine];
    private readonly byte[] _serverLine = new byte[4];
    private DateTimeOffset _since = time.GetUtcNow();
    private int _clientLength;
    private int _serverLength;
    private long _binaryLeft;
    private bool _binaryLast;
    private ulong _contentTail;

    /// <summary>True from DATA's 354 until the end of data was sent: the client is writing message content.</summary>
    public bool InContent { get; private set; }

    /// <summary>The stage of the last command sent (the greeting before any).</summary>
    public SmtpStage LastSent { get; private set; } = SmtpStage.Greeting;

    /// <summary>Commands sent so far (lines, not counting message content).</summary>
    public int CommandsSent { get; private set; }

    /// <summary>The reply being waited for and since when, or null when none is due (e.g. during the TLS handshake).</summary>
    public (SmtpStage Stage, DateTimeOffset Since)? Awaited => _awaited.Count > 0 ? (_awaited.Peek(), _since) : null;

    public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

    public void LogConnect(Uri uri)
    {
    }

    public void LogClient(byte[] buffer, int offset, int count)
    {
        var data = buffer.AsSpan(offset, count);
        while (!data.IsEmpty)
        {
            if (_binaryLeft > 0)
            {
                var skip = (int)Math.Min(_binaryLeft, data.Length);
                data = data[skip..];
                _binaryLeft -= skip;
                if (_binaryLeft == 0)
                {
                    Expect(_binaryLast ? SmtpStage.DataContent : SmtpStage.DataCommand);
                }

                continue;
            }

            if (InContent)
            {
                Content(data);
                return;
            }

            var end = data.IndexOf((byte)'\n');
            var part = end < 0 ? data : data[..end];
            var keep = Math.Min(part.Length, KeptLine - _clientLength);
            part[..keep].CopyTo(_clientLine.AsSpan(_clientLength));
            _clientLength += keep;
            if (end < 0)
            {
                return;
            }

            Command(_clientLine.AsSpan(0, _clientLength).TrimEnd((byte)'\r'));
            _clientLength = 0;
            data = data[(end + 1)..];
        }
    }

    public void LogServer(byte[] buffer, int offset, int count)
    {
        foreach (var b in buffer.AsSpan(offset, count))
        {
            if (b != (byte)'\n')
            {
                if (_serverLength < _serverLine.Length)
                {
                    _serverLine[_serverLength] = b;
                }

                _serverLength++;
                continue;
            }

            // The last line of a reply: three digits then a space, or the digits alone (RFC 5321 §4.2.1).
            var line = _serverLine.AsSpan(0, Math.Min(_serverLength, _serverLine.Length));
            var final = line.Length >= 3 && char.IsAsciiDigit((char)line[0]) && char.IsAsciiDigit((char)line[1]) && char.IsAsciiDigit((char)line[2])
                && (line.Length == 3 || line[3] is (byte)' ' or (byte)'\r');
            _serverLength = 0;
            if (final)
            {
                Replied(line[0] == (byte)'3');
            }
        }
    }

    public void Dispose()
    {
    }

    private void Command(ReadOnlySpan<byte> line)
    {
        CommandsSent++;
        var verbEnd = line.IndexOf((byte)' ');
        var verb = Encoding.ASCII.GetString(verbEnd < 0 ? line : line[..verbEnd]).ToUpperInvariant();
        var stage = verb switch
        {
            "EHLO" or "HELO" or "LHLO" or "STARTTLS" => SmtpStage.Handshake,
            "AUTH" => SmtpStage.Authentication,
            "MAIL" => SmtpStage.MailFrom,
            "RCPT" => SmtpStage.RcptTo,
            "DATA" => SmtpStage.DataCommand,
            "BDAT" => SmtpStage.DataCommand,
            // SASL continuation lines answer the server's 334 challenges.
            _ when LastSent == SmtpStage.Authentication => SmtpStage.Authentication,
            _ => SmtpStage.Command,
        };
        LastSent = stage;
        if (verb == "BDAT")
        {
            var arguments = line[(verbEnd + 1)..];
            var sizeEnd = arguments.IndexOf((byte)' ');
            if (Utf8Parser.TryParse(sizeEnd < 0 ? arguments : arguments[..sizeEnd], out long size, out _) && size > 0)
            {
                _binaryLeft = size;
                _binaryLast = sizeEnd >= 0 && arguments[(sizeEnd + 1)..].Trim((byte)' ').SequenceEqual("LAST"u8);
                return;
            }

            _binaryLast = sizeEnd >= 0;
            Expect(_binaryLast ? SmtpStage.DataContent : SmtpStage.DataCommand);
            return;
        }

        Expect(stage);
    }

    // The content ends where CRLF.CRLF is sent; MailKit sends nothing after it before reading the reply, so the
    // sequence is always at the end of what one write logged (the last octets of earlier writes are kept).
    private void Content(ReadOnlySpan<byte> data)
    {
        foreach (var b in data.Length > 5 ? data[^5..] : data)
        {
            _contentTail = (_contentTail << 8) | b;
        }

        if ((_contentTail & 0xFF_FFFF_FFFFUL) == 0x0D_0A_2E_0D_0AUL)
        {
            InContent = false;
            Expect(SmtpStage.DataContent);
        }
    }

    private void Replied(bool intermediate)
    {
        if (_awaited.Count == 0)
        {
            return;
        }

        var stage = _awaited.Dequeue();
        _since = time.GetUtcNow();
        if (stage == SmtpStage.DataCommand && intermediate && _binaryLeft == 0)
        {
            // 354: start mail input. The content begins at the start of a line (an empty one ends at once with ".").
            InContent = true;
            _contentTail = 0x0D0A;
        }
    }

    private void Expect(SmtpStage stage)
    {
        if (_awaited.Count == 0)
        {
            _since = time.GetUtcNow();
        }

        _awaited.Enqueue(stage);
    }
}
