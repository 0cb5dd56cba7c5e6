using MimeKit;
using SmtpFunctions.Core.Dkim;

namespace SmtpFunctions.Core.Tests.Dkim;

public class DkimSignedHeadersTests
{
    [Fact]
    public void Select_SimpleMessage_OverSignsPresentFieldsAndNullSignsAbsentReaderFields()
    {
        var message = Message();

        var fields = DkimSignedHeaders.Select(message);

        Assert.Equal(
            ["From", "From", "Reply-To", "To", "To", "Cc", "Subject", "Subject", "Date", "Date", "Message-ID", "Message-ID",
             "Content-Type", "Content-Type"],
            fields);
    }

    [Fact]
    public void Select_AbsentFieldsRelaysMayAdd_AreNotListed()
    {
        var fields = DkimSignedHeaders.Select(Message());

        Assert.DoesNotContain("Sender", fields);
        Assert.DoesNotContain("List-Id", fields);
        Assert.DoesNotContain("List-Unsubscribe", fields);
        Assert.DoesNotContain("In-Reply-To", fields);
        Assert.DoesNotContain("References", fields);
    }

    [Fact]
    public void Select_AllBuiltInFieldsPresent_CoversEachTwice()
    {
        var message = Message();
        message.MimeVersion = new Version(1, 0);
        message.Cc.Add(MailboxAddress.Parse("c@example.net"));
        message.ReplyTo.Add(MailboxAddress.Parse("r@example.com"));
        message.Sender = MailboxAddress.Parse("s@example.com");
        message.InReplyTo = "parent@example.net";
        message.References.Add("root@example.net");
        message.Headers.Add("List-Id", "News <news.example.com>");
        message.Headers.Add("List-Unsubscribe", "<https://example.com/u/1>, <mailto:u@example.com>");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        message.Headers.Add("Feedback-ID", "a:b:c:example");
        message.Body!.Headers.Add("Content-Transfer-Encoding", "7bit");

        var fields = DkimSignedHeaders.Select(message);

        foreach (var name in DkimSignedHeaders.AlwaysOverSigned.Concat(DkimSignedHeaders.OverSignedWhenPresent))
        {
            Assert.Equal(2, fields.Count(f => f == name));
        }
    }

    [Fact]
    public void Select_FieldOccurringTwice_IsListedThreeTimes()
    {
        var message = Message();
        message.Headers.Add("Subject", "second subject");

        var fields = DkimSignedHeaders.Select(message);

        Assert.Equal(3, fields.Count(f => f == "Subject"));
    }

    [Fact]
    public void Select_UnknownFields_AreNotSigned()
    {
        var message = Message();
        message.Headers.Add("X-Campaign", "a");

        Assert.DoesNotContain("X-Campaign", DkimSignedHeaders.Select(message));
    }

    private static MimeMessage Message()
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("a@example.com"));
        message.To.Add(MailboxAddress.Parse("b@example.net"));
        message.Subject = "hello";
        message.Date = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        message.MessageId = "id1@example.com";
        message.Body = new TextPart("plain") { Text = "hi\n" };
        return message;
    }
}
