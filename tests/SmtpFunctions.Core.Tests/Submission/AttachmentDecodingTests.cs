using System.Text;
using MimeKit;
using SmtpFunctions.Core.Submission;
using static SmtpFunctions.Core.Tests.Submission.PreparerFixture;

namespace SmtpFunctions.Core.Tests.Submission;

/// <summary>
/// Issue 11, item 3: attachments are decoded from the JSON octets straight into pooled memory (no UTF-16 string, no
/// intermediate array), and the parts come out exactly as MimeKit's BodyBuilder made them from a byte array.
/// </summary>
public class AttachmentDecodingTests
{
    public static TheoryData<string, string, byte[], bool> Contents()
    {
        var random = new Random(11);
        var binary = new byte[10_000];
        random.NextBytes(binary);
        return new TheoryData<string, string, byte[], bool>
        {
            { "a.bin", "application/octet-stream", binary, false },
            { "a.txt", "text/plain", Encoding.ASCII.GetBytes("line one\r\nline two\r\n"), false },
            { "long.txt", "text/plain", Encoding.ASCII.GetBytes(new string('l', 3000)), false },
            { "u.txt", "text/plain; charset=utf-8", Encoding.UTF8.GetBytes("Grüße aus Köln\r\n"), false },
            { "a.csv", "text/csv", Encoding.ASCII.GetBytes("a,b\nc,d\n"), false },
            { "logo.png", "image/png", binary[..300], true },
            { "empty.bin", "application/octet-stream", [], false },
        };
    }

    [Theory]
    [MemberData(nameof(Contents))]
    public void Build_Attachment_IsThePartBodyBuilderMakesFromAnArray(string filename, string contentType, byte[] data, bool inline)
    {
        var cid = inline ? ",\"contentId\":\"logo@x\"" : "";
        var html = inline ? ",\"html\":\"<img src=cid:logo@x>\"" : "";
        var prepared = Accept(
            $"{{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"t\"{html},\"attachments\":[{{\"filename\":\"{filename}\",\"contentType\":\"{contentType}\",\"content\":\"{Convert.ToBase64String(data)}\"{cid}}}]}}");

        var stored = MimeMessage.Load(new MemoryStream(prepared.Mime.ToArray()));
        var part = stored.BodyParts.OfType<MimePart>().Single(p => p.FileName == filename);

        var builder = new BodyBuilder();
        var expected = (MimePart)(inline ? builder.LinkedResources.Add(filename, data, ContentType.Parse(contentType)) : builder.Attachments.Add(filename, data, ContentType.Parse(contentType)));
        if (inline)
        {
            expected.ContentId = "logo@x";
        }

        expected.Prepare(EncodingConstraint.SevenBit, 998);
        Assert.Equal(Write(expected), Write(part));
    }

    [Theory]
    [InlineData("aGVsbG8gd29ybGQ=")]
    [InlineData("aGVs\\nbG8g\\r\\nd29y\\tbGQ=")]
    [InlineData("aGVsbG8g d29ybGQ=")]
    [InlineData("aGVsbG8gd29ybGQ\\u003d")]
    public void Read_Base64WithJsonEscapesOrWhitespace_DecodesTheSameBytes(string content)
    {
        Assert.Equal("hello world", Encoding.ASCII.GetString(Decode(content)));
    }

    [Fact]
    public void Read_EscapedSlashes_AreTheSlashesOfTheAlphabet()
    {
        var data = new byte[] { 0xff, 0xff, 0xff, 0xfb, 0xef, 0xbe };
        var base64 = Convert.ToBase64String(data);
        Assert.Contains("/", base64, StringComparison.Ordinal);

        Assert.Equal(data, Decode(base64.Replace("/", "\\/", StringComparison.Ordinal)));
        Assert.Equal(data, Decode(base64.Replace("/", "\\u002F", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("aGVsbG8")]
    [InlineData("aGVsbG8=x")]
    [InlineData("aGVs*G8=")]
    [InlineData("aGVsbG8===")]
    [InlineData("aGVs\\\"bG8=")]
    [InlineData("aGVs\\u00e9bG8=")]
    public void Read_InvalidBase64_NamesTheContentField(string content)
    {
        var error = Reject($"{{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"t\",\"attachments\":[{{\"filename\":\"x\",\"content\":\"{content}\"}}]}}");

        Assert.Equal("attachments[0].content", error.Field);
        Assert.Equal("is not valid base64", error.Errors[0].Detail);
    }

    [Fact]
    public void Read_ContentOfTheWrongType_NamesTheContentField()
    {
        var error = Reject("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"t\",\"attachments\":[{\"filename\":\"x\",\"content\":42}]}");

        Assert.Equal("attachments[0].content", error.Field);
    }

    [Fact]
    public void Read_BodyInManySmallSegments_DecodesAsInOnePiece()
    {
        // An escape, a padding and the alphabet cut at every position by pooled-block boundaries.
        var data = new byte[5000];
        new Random(3).NextBytes(data);
        var base64 = Convert.ToBase64String(data).Replace("/", "\\/", StringComparison.Ordinal);
        var json = Encoding.UTF8.GetBytes($"{{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"t\",\"attachments\":[{{\"filename\":\"x.bin\",\"content\":\"{base64}\"}}]}}");

        foreach (var size in new[] { 1, 3, 7, 64 })
        {
            Assert.True(JsonMessageReader.TryRead(Segmented(json, size), out var request, out var error), error?.Detail);
            Assert.Equal(data, request!.Attachments![0]!.Content!.ToArray());
            request.ReleaseAttachments();
        }
    }

    private static byte[] Decode(string content)
    {
        var json = Encoding.UTF8.GetBytes($"{{\"from\":\"a@example.com\",\"attachments\":[{{\"filename\":\"x\",\"content\":\"{content}\"}}]}}");
        Assert.True(JsonMessageReader.TryRead(json, out var request, out var error), error?.Detail);
        var attachment = request!.Attachments![0]!.Content!;
        Assert.True(attachment.IsValid);
        return attachment.ToArray();
    }

    private static string Write(MimeEntity entity)
    {
        using var stream = new MemoryStream();
        entity.WriteTo(SmtpFunctions.Core.Submission.MessageSerializer.FormatFor(false), stream);
        return Encoding.ASCII.GetString(stream.ToArray());
    }

    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int size)
    {
        var first = new Segment(bytes.AsMemory(0, Math.Min(size, bytes.Length)), 0);
        var last = first;
        for (var offset = size; offset < bytes.Length; offset += size)
        {
            last = last.Append(bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
