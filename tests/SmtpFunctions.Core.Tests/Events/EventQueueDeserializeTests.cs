using System.Text.Json;
using SmtpFunctions.Core.Events;

namespace SmtpFunctions.Core.Tests.Events;

public sealed class EventQueueDeserializeTests
{
    private static readonly EventQueueMessage Accepted = new()
    {
        Kind = EventQueueMessage.AcceptedKind,
        MessageId = "01m8j6pfrcq6smmjg5dqt8qwg5",
        SubmissionToken = "token",
        SubmittedAt = new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero),
    };

    [Fact]
    public void Deserialize_JsonText_AsEventQueueSendsIt()
    {
        var read = EventQueue.Deserialize(BinaryData.FromObjectAsJson(Accepted));

        Assert.Equal(Accepted, read);
    }

    [Fact]
    public void Deserialize_TheBase64AnEarlierVersionQueued_ReadsTheSameMessage()
    {
        var base64 = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(Accepted));

        Assert.Equal(Accepted, EventQueue.Deserialize(BinaryData.FromString(base64)));
    }

    [Theory]
    [InlineData("not an event")]
    [InlineData("eyJoZWxsbyI6IndvcmxkIn0=")] // Base64 of {"hello":"world"}: JSON, but no event
    public void Deserialize_TextThatIsNoEvent_Throws(string text) =>
        Assert.ThrowsAny<JsonException>(() => EventQueue.Deserialize(BinaryData.FromString(text)));
}
