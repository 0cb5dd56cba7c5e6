using System.Buffers;

namespace SmtpFunctions.Ingress.Memory;

/// <summary>
/// One message's octets as DATA delivers them (dot-stuffing already undone), held once: in one array of the size the
/// client declared with SIZE (RFC 1870), or in pooled chunks joined once at the end when it declared none or sent more.
/// Every octet is reserved in the <see cref="MemoryBudget"/> before it is stored; when the budget refuses, the buffer
/// lets go of what it holds and says so (<see cref="Refused"/>). Disposing gives everything back.
/// </summary>
public sealed class MessageBuffer : IDisposable
{
    /// <summary>Octets of one pooled chunk, and the step by which the reservation grows past the declared size.</summary>
    public const int ChunkSize = 64 * 1024;

    private readonly MemoryBudget _budget;
    private readonly List<byte[]> _chunks = [];
    private long _reserved;
    private byte[]? _array;
    private int _length;
    private int _lastChunkUsed;
    private bool _disposed;

    /// <summary>
    /// A buffer that already owns <paramref name="reserved"/> octets of <paramref name="budget"/> (the SIZE reserved at
    /// MAIL) and expects <paramref name="declaredSize"/> octets (0: unknown).
    /// </summary>
    public MessageBuffer(MemoryBudget budget, long reserved, long declaredSize)
    {
        ArgumentNullException.ThrowIfNull(budget);
        _budget = budget;
        _reserved = reserved;
        if (declaredSize > 0)
        {
            // Not zeroed: only the part written is ever read.
            _array = GC.AllocateUninitializedArray<byte>((int)Math.Min(declaredSize, Array.MaxLength));
        }
    }

    /// <summary>Octets stored.</summary>
    public int Length => _length;

    /// <summary>True once the budget refused more octets; nothing is stored from then on.</summary>
    public bool Refused { get; private set; }

    /// <summary>Stores <paramref name="data"/>; false when the budget refused it (and the buffer is now empty).</summary>
    public bool Append(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Refused)
        {
            return false;
        }

        if (data.IsEmpty)
        {
            return true;
        }

        if (_length + (long)data.Length > Array.MaxLength || !Reserve(_length + (long)data.Length))
        {
            // Let go of everything at once, so that the octets already held serve other messages while this one is drained.
            Refused = true;
            Free();
            _budget.Release(_reserved);
            _reserved = 0;
            return false;
        }

        if (_array is not null && _length < _array.Length && _chunks.Count == 0)
        {
            var n = Math.Min(data.Length, _array.Length - _length);
            data[..n].CopyTo(_array.AsSpan(_length));
            _length += n;
            data = data[n..];
        }

        while (!data.IsEmpty)
        {
            if (_chunks.Count == 0 || _lastChunkUsed == _chunks[^1].Length)
            {
                _chunks.Add(ArrayPool<byte>.Shared.Rent(ChunkSize));
                _lastChunkUsed = 0;
            }

            var chunk = _chunks[^1];
            var n = Math.Min(data.Length, chunk.Length - _lastChunkUsed);
            data[..n].CopyTo(chunk.AsSpan(_lastChunkUsed));
            _lastChunkUsed += n;
            _length += n;
            data = data[n..];
        }

        return true;
    }

    /// <summary>
    /// The octets as one block. Joins the chunks into one array the first time (the only copy, and only when SIZE was
    /// missing or short); valid until the buffer is disposed.
    /// </summary>
    public ReadOnlyMemory<byte> AsMemory()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_chunks.Count > 0)
        {
            var joined = GC.AllocateUninitializedArray<byte>(_length);
            var offset = 0;
            if (_array is not null)
            {
                var head = Math.Min(_array.Length, _length);
                _array.AsSpan(0, head).CopyTo(joined);
                offset = head;
            }

            for (var i = 0; i < _chunks.Count; i++)
            {
                var used = i == _chunks.Count - 1 ? _lastChunkUsed : _chunks[i].Length;
                _chunks[i].AsSpan(0, used).CopyTo(joined.AsSpan(offset));
                offset += used;
            }

            ReturnChunks();
            _array = joined;
        }

        return _array is null ? ReadOnlyMemory<byte>.Empty : _array.AsMemory(0, _length);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Free();
        _budget.Release(_reserved);
        _reserved = 0;
    }

    // Grows the reservation to cover `needed` octets, a chunk at a time so that small appends cost no interlocked operation.
    private bool Reserve(long needed)
    {
        if (needed <= _reserved)
        {
            return true;
        }

        var step = Math.Max(needed - _reserved, ChunkSize);
        if (!_budget.TryReserve(step))
        {
            step = needed - _reserved;
            if (!_budget.TryReserve(step))
            {
                return false;
            }
        }

        _reserved += step;
        return true;
    }

    private void Free()
    {
        ReturnChunks();
        _array = null;
        _length = 0;
    }

    private void ReturnChunks()
    {
        foreach (var chunk in _chunks)
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        _chunks.Clear();
        _lastChunkUsed = 0;
    }
}
