using MimeKit;
using SmtpFunctions.Testing.Postfix;

namespace SmtpFunctions.Core.IntegrationTests.Infrastructure;

/// <summary>Reads a DSN as the sender's mailbox received it.</summary>
internal sealed record Dsn(MaildirMessage Stored, MimeMessage Message, MultipartReport Report, MessageDeliveryStatus Status)
{
    /// <summary>Per-recipient groups of the delivery-status part (the first group is per-message).</summary>
    public IReadOnlyList<HeaderList> Recipients => Status.StatusGroups.Skip(1).ToList();

    public static Dsn From(MaildirMessage stored)
    {
        var message = stored.ToMimeMessage();
        var report = Assert.IsType<MultipartReport>(message.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        Assert.Equal("text/rfc822-headers", report[2].ContentType.MimeType);
        return new Dsn(stored, message, report, status);
    }

    /// <summary>The original headers returned in the DSN, as text.</summary>
    public string OriginalHeaders => Report[2].ToString();
}
