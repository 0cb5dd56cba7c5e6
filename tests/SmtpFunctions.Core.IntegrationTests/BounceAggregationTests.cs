using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Dns;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// One DSN per message per round, whatever the number of domains that failed (Postfix's bounce daemon), and a DSN that
/// does not wait for recipients still being retried. The DSN reaches the sender's real Postfix mailbox.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class BounceAggregationTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static string Json(params string[] to) =>
        $$"""{"from":"{{MailWorld.Sender}}","to":[{{string.Join(",", to.Select(t => $"\"{t}\""))}}],"subject":"Aggregate","text":"hello"}""";

    [Fact]
    public async Task TwoDomainsFailingInOneRound_GetOneDsnNamingBoth()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(null, MailWorld.Sender);
        await world.ServeAsync(MailWorld.SenderZone(postfix));
        await world.ServeAsync(new DnsZone("nomail-a.test").NullMx("nomail-a.test"));
        await world.ServeAsync(new DnsZone("nomail-b.test").NullMx("nomail-b.test"));
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output);

        var receipt = await host.SubmitJsonAsync(Json("one@nomail-a.test", "two@nomail-b.test"));
        await host.RunUntilFinalAsync(receipt.MessageId);
        await host.RunUntilAsync(async () => await NothingPendingAsync(host, receipt.MessageId) && postfix.ReadMailbox(MailWorld.Sender).Count > 0);
        // Whatever else the queue still holds (a collection that finds nothing) runs too, before counting.
        await host.RunUntilAsync(async () => await host.VisibleJobsAsync() == 0);

        var dsn = Dsn.From(Assert.Single(postfix.ReadMailbox(MailWorld.Sender)));
        Assert.Equal(
            ["rfc822; one@nomail-a.test", "rfc822; two@nomail-b.test"],
            dsn.Recipients.Select(g => g["Final-Recipient"] ?? "").Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task OneDomainFailsWhileAnotherIsRetried_TheDsnDoesNotWaitForTheRetry()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(null, MailWorld.Sender);
        var grey = await world.StartSinkAsync(new SmtpSinkOptions { SoftReject = ["RCPT"] });
        await world.ServeAsync(MailWorld.SenderZone(postfix));
        await world.ServeAsync(new DnsZone("nomail.test").NullMx("nomail.test"));
        await world.ServeAsync(MailWorld.MxZone("later.test", grey.Address));
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, ("Retry:Schedule", "00:10:00"));

        var receipt = await host.SubmitJsonAsync(Json("gone@nomail.test", "wait@later.test"));
        await host.RunUntilAsync(() => Task.FromResult(postfix.ReadMailbox(MailWorld.Sender).Count > 0), TimeSpan.FromSeconds(60));

        var view = (await host.Status.GetViewAsync(receipt.MessageId, CancellationToken.None))!;
        Assert.Equal(RecipientStatus.Deferred, view.Recipients.Single(r => r.Address == "wait@later.test").Status);
        Assert.Equal(RecipientStatus.Failed, view.Recipients.Single(r => r.Address == "gone@nomail.test").Status);
        var dsn = Dsn.From(Assert.Single(postfix.ReadMailbox(MailWorld.Sender)));
        Assert.Equal("rfc822; gone@nomail.test", Assert.Single(dsn.Recipients)["Final-Recipient"]);
        Assert.True(await NothingPendingAsync(host, receipt.MessageId));
    }

    private static async Task<bool> NothingPendingAsync(DeliveryHost host, string id)
    {
        var (_, rows) = await host.Status.GetAsync(id, CancellationToken.None);
        return rows.All(r => !r.DsnPending);
    }
}
