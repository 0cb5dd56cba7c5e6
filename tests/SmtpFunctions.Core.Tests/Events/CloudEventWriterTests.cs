using System.Text.Json;
using SmtpFunctions.Core.Events;

namespace SmtpFunctions.Core.Tests.Events;

public sealed class CloudEventWriterTests
{
    private static readonly RecipientEvent Bounce = new()
    {
        Type = EventTypes.Bounced,
        Sequence = 2,
        Recipient = "Nobody@Example.NET",
        Time = new DateTimeOffset(2026, 12, 2, 20, 0, 0, TimeSpan.Zero),
        Attempts = 1,
        ReplyCode = 550,
        EnhancedCode = "5.1.1",
        Response = "550 5.1.1 User unknown",
        MxHost = "mx.example.net[192.0.2.1]:25",
        Tls = true,
    };

    [Fact]
    public void Write_IsACloudEvent10_WithTheRequiredAttributesAndTheData()
    {
        using var json = JsonDocument.Parse(CloudEventWriter.Write("m1", "default", new Dictionary<string, string> { ["campaign"] = "spring" }, ["welcome", "v2"], Bounce));
        var root = json.RootElement;
        Assert.Equal("1.0", root.GetProperty("specversion").GetString());
        Assert.Equal("smtpfunctions.bounced", root.GetProperty("type").GetString());
        Assert.Equal("/smtpfunctions", root.GetProperty("source").GetString());
        Assert.Equal("0000000002", root.GetProperty("sequence").GetString());
        Assert.Equal("2026-12-02T20:00:00.000Z", root.GetProperty("time").GetString());
        var data = root.GetProperty("data");
        Assert.Equal(550, data.GetProperty("replyCode").GetInt32());
        Assert.Equal("5.1.1", data.GetProperty("enhancedCode").GetString());
        Assert.Equal("spring", data.GetProperty("metadata").GetProperty("campaign").GetString());
        Assert.Equal(["welcome", "v2"], data.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray());
        Assert.False(data.TryGetProperty("nextAttemptAt", out _));
    }

    [Fact]
    public void IdFor_TheSameEventTwice_IsTheSameId_AndAnotherSequenceAnother()
    {
        Assert.Equal(CloudEventWriter.IdFor("m1", "nobody@example.net", 2), CloudEventWriter.IdFor("m1", "NOBODY@example.net", 2));
        Assert.NotEqual(CloudEventWriter.IdFor("m1", "nobody@example.net", 2), CloudEventWriter.IdFor("m1", "nobody@example.net", 3));
    }
}
