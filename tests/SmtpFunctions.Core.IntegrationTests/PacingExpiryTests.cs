using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// A recipient whose queue lifetime runs out while pacing holds its destination back expires on the last reply a peer
/// really gave (in the status and the DSN), and the expiry is not counted as another attempt.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class PacingExpiryTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Fact]
    public async Task ExpiryDuringAThrottlingBackoff_KeepsThePeersLastReply_AndCountsNoExtraAttempt()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(null, MailWorld.Sender);
        var sink = await world.StartSinkAsync(new SmtpSinkOptions { ServiceUnavailableAfter = ["MAIL"] });
        await world.ServeAsync(MailWorld.SenderZone(postfix));
        await world.ServeAsync(MailWorld.MxZone("slow.test", sink.Address));
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output,
            ("Pacing:ThrottleBackoff", "00:05:00"), ("Retry:QueueLifetime", "00:00:03"), ("Retry:Schedule", "00:00:01"));

        var receipt = await host.SubmitJsonAsync($$"""{"from":"{{MailWorld.Sender}}","to":"rcpt@slow.test","subject":"Paced","text":"hi"}""");
        var view = await host.RunUntilFinalAsync(receipt.MessageId, TimeSpan.FromSeconds(60));
        await host.RunUntilAsync(() => Task.FromResult(postfix.ReadMailbox(MailWorld.Sender).Count > 0));

        var rcpt = Assert.Single(view.Recipients);
        output.WriteLine($"{rcpt.Status} after {rcpt.Attempts} attempts: {rcpt.LastResponse}");
        Assert.Equal(RecipientStatus.Failed, rcpt.Status);
        Assert.Equal(421, rcpt.LastReplyCode);
        Assert.Equal(1, rcpt.Attempts);
        Assert.Equal(1, sink.GetSessionStatistics().Total);
        var group = Assert.Single(Dsn.From(Assert.Single(postfix.ReadMailbox(MailWorld.Sender))).Recipients);
        Assert.StartsWith("smtp; 421", group["Diagnostic-Code"], StringComparison.Ordinal);
    }
}
