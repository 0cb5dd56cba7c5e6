using System.Text;

namespace SmtpFunctions.Core.Tests.Delivery;

/// <summary>
/// A recorded SMTP server side, replayed: each read returns the next scripted reply, everything the client writes is
/// kept for assertions. <see cref="Drop"/> in the script ends the stream there, like a peer closing the connection.
/// </summary>
internal sealed class SmtpReplayStream(IEnumerable<string> replies) : Stream
{
    /// <summary>Script entry: the peer closes the connection instead of answering.</summary>
    public const string Drop = "<drop>";

    private readonly Queue<string> _replies = new(replies);
    private readonly MemoryStream _written = new();
    private byte[] _current = [];
    private int _offset;
    private bool _dropped;

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
        Task.FromResult(Read(buffer, offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var array = new byte[buffer.Length];
        var n = Read(array, 0, array.Length);
        array.AsSpan(0, n).CopyTo(buffer.Span);
        return ValueTask.FromResult(n);
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (_dropped)
        {
            throw new IOException("Broken pipe");
        }

        _written.Write(buffer, offset, count);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer, offset, count);
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.ToArray(), 0, buffer.Length);
        return ValueTask.CompletedTask;
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
