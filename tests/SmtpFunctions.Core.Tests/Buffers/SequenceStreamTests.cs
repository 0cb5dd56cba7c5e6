using System.Text;
using SmtpFunctions.Core.Buffers;

namespace SmtpFunctions.Core.Tests.Buffers;

/// <summary>The stream MimeKit parses request bodies through in place: reads and seeks across pooled blocks.</summary>
public class SequenceStreamTests
{
    [Fact]
    public void Read_AcrossBlocks_AndAfterSeeks_ReturnsTheOctets()
    {
        using var buffer = MessageBuffers.Rent("test");
        var data = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 40_000).Select(i => (char)('a' + (i % 26)))));
        for (var i = 0; i < 10; i++)
        {
            buffer.Write(data);
        }

        using var stream = new SequenceStream(buffer.GetReadOnlySequence());
        Assert.Equal(400_000, stream.Length);

        var chunk = new byte[70_001];
        Assert.Equal(70_001, stream.Read(chunk));
        Assert.Equal(data.AsSpan(0, 40_000).ToArray(), chunk[..40_000]);

        stream.Seek(131_070, SeekOrigin.Begin); // across the first 128 KiB block boundary
        Assert.Equal(4, stream.Read(chunk, 0, 4));
        Assert.Equal(data.AsSpan(131_070 % 40_000, 4).ToArray(), chunk[..4]);

        stream.Position = 399_998;
        Assert.Equal(2, stream.Read(chunk));
        Assert.Equal(0, stream.Read(chunk));
    }

    [Fact]
    public void Write_IsNotSupported()
    {
        using var stream = new SequenceStream(new System.Buffers.ReadOnlySequence<byte>(new byte[3]));

        Assert.False(stream.CanWrite);
        Assert.Throws<NotSupportedException>(() => stream.Write([1], 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.Seek(-1, SeekOrigin.Begin));
    }
}
