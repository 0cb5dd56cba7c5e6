using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Core.Tests.Storage;

public sealed class OutboundQueueSerializationTests
{
    private static DeliveryJob Job(byte[]? content, int recipients = 1) => new()
    {
        MessageId = "01m8j6pfrcq6smmjg5dqt8qwg5",
        SubmissionToken = "token",
        Domain = "example.net",
        Recipients = Enumerable.Range(0, recipients).Select(i => $"recipient-number-{i:D3}-with-a-long-local-part@example.net").ToList(),
        BlobName = "blob",
        Content = content,
        Size = content?.Length ?? 0,
    };

    [Fact]
    public void Serialize_AJobWithItsContent_RoundTripsTheOctetsExactly()
    {
        var content = Enumerable.Range(0, 4096).Select(i => (byte)i).ToArray();

        var read = OutboundQueue.Deserialize(OutboundQueue.Serialize(Job(content)));

        Assert.Equal(content, read.Content);
    }

    [Fact]
    public void Serialize_AJobWithoutContent_WritesNoContentField()
    {
        var body = OutboundQueue.Serialize(Job(null)).ToString();

        Assert.DoesNotContain("\"mime\"", body, StringComparison.Ordinal);
        Assert.Null(OutboundQueue.Deserialize(OutboundQueue.Serialize(Job(null))).Content);
    }

    [Fact]
    public void Serialize_WhenTheContentWouldTakeTheJobPastTheLimit_SendsTheJobWithoutIt()
    {
        // 24 KiB of content (the option's most) Base64 in JSON, beside 99 long recipients and their ETags' worth of text.
        var job = Job(new byte[24 * 1024], recipients: 99) with
        {
            CommittedETags = Enumerable.Range(0, 99).ToDictionary(i => $"recipient-number-{i:D3}-with-a-long-local-part@example.net", _ => "W/\"datetime'2026-12-06T23%3A59%3A59.1234567Z'\""),
        };

        var body = OutboundQueue.Serialize(job);
        var read = OutboundQueue.Deserialize(body);

        Assert.True(body.ToMemory().Length <= OutboundQueue.MaxJobBytes);
        Assert.Null(read.Content);
        Assert.Equal(99, read.Recipients.Count);
        Assert.Equal(99, read.CommittedETags!.Count);
    }

    [Fact]
    public void Serialize_WritesJsonTextThatNeedsNoEscapingInTheQueuesXml()
    {
        // With messageEncoding "none" the text goes inside <MessageText> as it is: JSON of ASCII without <, > or &.
        var body = OutboundQueue.Serialize(Job("<&>ü"u8.ToArray()) with { Sender = "<ä&ö>@example.com" }).ToArray();

        Assert.Equal((byte)'{', body[0]);
        Assert.All(body, b => Assert.True(b is >= 0x20 and < 0x7f and not (byte)'<' and not (byte)'>' and not (byte)'&', $"byte 0x{b:x2}"));
        Assert.Equal("<ä&ö>@example.com", OutboundQueue.Deserialize(BinaryData.FromBytes(body)).Sender);
    }

    [Fact]
    public void Deserialize_AJobAnEarlierVersionQueuedInBase64_ReadsTheSameJob()
    {
        var content = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var json = OutboundQueue.Serialize(Job(content)).ToArray();

        var read = OutboundQueue.Deserialize(BinaryData.FromString(Convert.ToBase64String(json)));

        Assert.Equal("01m8j6pfrcq6smmjg5dqt8qwg5", read.MessageId);
        Assert.Equal(content, read.Content);
    }

    [Theory]
    [InlineData("this is not a delivery job")]
    [InlineData("bm90IGpzb24gYXQgYWxs")] // Base64 of "not json at all"
    [InlineData("")]
    public void Deserialize_TextThatIsNeitherJsonNorBase64OfIt_Throws(string text) =>
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => OutboundQueue.Deserialize(BinaryData.FromString(text)));
}
