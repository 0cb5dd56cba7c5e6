using System.Buffers;

namespace SmtpFunctions.Core.Buffers;

/// <summary>
/// A read-only, seekable stream over octets that are already in memory (a request body, SMTP DATA), so that MimeKit can
/// parse them in place (persistent parsing keeps offsets into this stream instead of copying every part).
/// </summary>
public sealed class SequenceStream(ReadOnlySequence<byte> sequence) : Stream
{
    private long _position;

    // Where the last read ended, so that sequential reads do not walk the segment chain from the start each time.
    private SequencePosition _cursor = sequence.Start;
    private long _cursorOffset;

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => true;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => sequence.Length;

    /// <inheritdoc />
    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        var remaining = sequence.Length - _position;
        if (remaining <= 0 || buffer.IsEmpty)
        {
            return 0;
        }

        var count = (int)Math.Min(buffer.Length, remaining);
        if (_cursorOffset != _position)
        {
            _cursor = sequence.GetPosition(_position);
        }

        var slice = sequence.Slice(_cursor, count);
        slice.CopyTo(buffer);
        _position += count;
        (_cursor, _cursorOffset) = (slice.End, _position);
        return count;
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => sequence.Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        _position = target;
        return _position;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
