using SmtpFunctions.Core.Status;

namespace SmtpFunctions.Core.Tests.Status;

public class MessageStatusTests
{
    [Theory]
    [InlineData(MessageStatus.Queued, RecipientStatus.Queued, RecipientStatus.Queued)]
    [InlineData(MessageStatus.Delivering, RecipientStatus.Delivering, RecipientStatus.Deferred)]
    [InlineData(MessageStatus.Deferred, RecipientStatus.Deferred, RecipientStatus.Delivered)]
    [InlineData(MessageStatus.Queued, RecipientStatus.Queued, RecipientStatus.Delivered)]
    [InlineData(MessageStatus.Delivered, RecipientStatus.Delivered, RecipientStatus.Delivered)]
    [InlineData(MessageStatus.PartiallyDelivered, RecipientStatus.Delivered, RecipientStatus.Failed)]
    [InlineData(MessageStatus.PartiallyDelivered, RecipientStatus.Delivered, RecipientStatus.Suppressed)]
    [InlineData(MessageStatus.Failed, RecipientStatus.Failed, RecipientStatus.Suppressed)]
    public void Derive_FromRecipients(string expected, params string[] recipients) =>
        Assert.Equal(expected, MessageStatus.Derive(recipients));

    [Theory]
    [InlineData("a/b#c?d@example.com")]
    [InlineData("\"x y\"@example.com")]
    [InlineData("ünï@example.com")]
    public void RowKeyFor_IsALegalTableKey(string address)
    {
        var key = RecipientEntity.RowKeyFor("01m8j6pfrcq6smmjg5dqt8qwg5", address);

        Assert.StartsWith(RecipientEntity.RowKeyPrefix, key, StringComparison.Ordinal);
        Assert.DoesNotContain(key, c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
        Assert.Equal(key, RecipientEntity.RowKeyFor("01m8j6pfrcq6smmjg5dqt8qwg5", address.ToUpperInvariant()));
    }

    [Fact]
    public void RowKeys_AreUniqueAcrossMessages_SoAzuriteCanIndexThem()
    {
        Assert.NotEqual(RecipientEntity.RowKeyFor("a1", "rcpt@example.com"), RecipientEntity.RowKeyFor("a2", "rcpt@example.com"));
        Assert.NotEqual(MessageEntity.RowKeyFor("a1"), MessageEntity.RowKeyFor("a2"));
        Assert.True(MessageEntity.IsMessageRowKey(MessageEntity.RowKeyFor("a1")));
        Assert.True(MessageEntity.IsMessageRowKey(MessageEntity.LegacyRowKey));
        Assert.False(MessageEntity.IsMessageRowKey(RecipientEntity.RowKeyFor("a1", "m@example.com")));
    }
}
