using System.Text;

namespace SmtpFunctions.Core.Tests.Delivery;

/// <summary>
/// A recorded SMTP server side, replayed: each read returns the next scripted reply, everything the client writes is
/// kept for assertions. <see cref="Drop"/> in the script ends the stream there, like a peer closing the connection;
/// <see cref="Silence"/> makes the read wait until it is cancelled, like a peer that stops talking. With
/// <see cref="DripInterval"/> set, each read returns one byte after that long on <see cref="Clock"/>.
/// </summary>
internal sealed class SmtpReplayStream(IEnumerable<string> replies) : Stream
{
    /// <summary>Script entry: the peer closes the connection instead of answering.</summary>
    public const string Drop = "<drop>";

    /// <summary>Script entry: the peer never answers (the read waits until cancelled).</summary>
    public const string Silence = "<silence>";

    private readonly Queue<string> _replies = new(replies);
    private readonly MemoryStream _written = new();
    private readonly SemaphoreSlim _waiting = new(0);
    private byte[] _current = [];
    private int _offset;
    private bool _dropped;

    /// <summary>The clock the silent and dripping reads wait on (the harness's fake time).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>When set, every read waits this long on <see cref="Clock"/> and returns one byte.</summary>
    public TimeSpan? DripInterval { get; set; }

    /// <summary>When set, a write once every scripted reply has been read waits until cancelled (a peer that stops reading).</summary>
    public bool StallWritesWhenScriptEnds { get; set; }

    /// <summary>Completes when a read starts waiting (silence or a drip), so a test can move the fake clock on.</summary>
    public Task WaitingAsync(CancellationToken cancellationToken) => _waiting.WaitAsync(cancellationToken);

    /// <summary>Everything the client sent, as text (UTF-8).</summary>
    public string Transcript => Encoding.UTF8.GetString(_written.ToArray());

    /// <summary>Everything the client sent, as octets.</summary>
    public byte[] Sent => _written.ToArray();

    /// <summary>Replies not consumed (a test checks the client said all it should have).</summary>
    public int Remaining => _replies.Count;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override bool CanTimeout => true;

    public override int ReadTimeout { get; set; }

    public override int WriteTimeout { get; set; }

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_offset >= _current.Length)
        {
            if (_dropped || !_replies.TryDequeue(out var next) || next == Drop)
            {
                _dropped = true;
                return 0;
            }

            _current = Encoding.UTF8.GetBytes(next.ReplaceLineEndings("\r\n").TrimEnd('\r', '\n') + "\r\n");
            _offset = 0;
        }

        var n = Math.Min(count, _current.Length - _offset);
        Array.Copy(_current, _offset, buffer, offset, n);
        _offset += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_offset >= _current.Length && _replies.TryPeek(out var next) && next == Silence)
        {
            _waiting.Release();
            await Task.Delay(Timeout.InfiniteTimeSpan, Clock, cancellationToken);
        }

        var count = buffer.Length;
        if (DripInterval is { } interval)
        {
            _waiting.Release();
            await Task.Delay(interval, Clock, cancellationToken);
            count = Math.Min(count, 1);
        }

        var array = new byte[count];
        var n = Read(array, 0, array.Length);
        array.AsSpan(0, n).CopyTo(buffer.Span);
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (_dropped)
        {
            throw new IOException("Broken pipe");
        }

        _written.Write(buffer, offset, count);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (StallWritesWhenScriptEnds && _replies.Count == 0 && _offset >= _current.Length)
        {
            _waiting.Release();
            await Task.Delay(Timeout.InfiniteTimeSpan, Clock, cancellationToken);
        }

        Write(buffer.ToArray(), 0, buffer.Length);
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>The message octets of the first DATA, dot-stuffing undone (RFC 5321 §4.5.2).</summary>
    public byte[] DataContent(int index = 0)
    {
        var sent = Sent;
        var marker = "\r\nDATA\r\n"u8.ToArray();
        var start = -1;
        for (var i = 0; i <= index; i++)
        {
            start = sent.AsSpan(start + 1).IndexOf(marker) is var at && at >= 0 ? start + 1 + at : throw new InvalidOperationException("No DATA sent.");
        }

        var body = sent.AsSpan(start + marker.Length);
        var end = body.IndexOf("\r\n.\r\n"u8);
        var content = body[..(end + 2)].ToArray();
        var text = new MemoryStream();
        var lineStart = true;
        for (var i = 0; i < content.Length; i++)
        {
            if (lineStart && content[i] == (byte)'.')
            {
                lineStart = false;
                continue;
            }

            text.WriteByte(content[i]);
            lineStart = content[i] == (byte)'\n';
        }

        return text.ToArray();
    }
}
