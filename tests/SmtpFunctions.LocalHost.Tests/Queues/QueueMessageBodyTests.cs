using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using SmtpFunctions.LocalHost.Queues;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.LocalHost.Tests.Queues;

public class QueueMessageBodyTests
{
    [Fact]
    public void TryDecode_Base64Text_GivesTheBytesTheSdkWouldGive()
    {
        var bytes = "{\"id\":\"x\"}\u00e9"u8.ToArray();

        Assert.True(QueueMessageBody.TryDecode(Message(Convert.ToBase64String(bytes)), QueueMessageEncoding.Base64, out var body));
        Assert.Equal(bytes, body.ToArray());
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("{\"id\":\"x\"}")]
    [InlineData("abc")]
    public void TryDecode_TextThatIsNotBase64_Refuses(string text)
    {
        Assert.False(QueueMessageBody.TryDecode(Message(text), QueueMessageEncoding.Base64, out var body));
        Assert.Null(body);
    }

    [Fact]
    public void TryDecode_WithoutEncoding_GivesTheTextAsIs()
    {
        Assert.True(QueueMessageBody.TryDecode(Message("plain {json}"), QueueMessageEncoding.None, out var body));
        Assert.Equal("plain {json}", body.ToString());
    }

    [Fact]
    public void Load_MessageEncoding_IsNoneInTheRepositoryHostJsonAndBase64WhenSaidSo()
    {
        // What Core's queue clients send (JSON text) must be what the trigger is told to read.
        Assert.Equal(QueueMessageEncoding.None, QueueTriggerSettings.Load(RepositoryPaths.Combine("host.json")).MessageEncoding);
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "{ \"extensions\": { \"queues\": { \"messageEncoding\": \"base64\" } } }");
        try
        {
            Assert.Equal(QueueMessageEncoding.Base64, QueueTriggerSettings.Load(path).MessageEncoding);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static QueueMessage Message(string text) =>
        QueuesModelFactory.QueueMessage("id", "receipt", BinaryData.FromString(text), dequeueCount: 1);
}
