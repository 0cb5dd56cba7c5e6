using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Dns;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// The outbound address policy on the whole path — submission, the job handler, the status API's view, the DSN —
/// with an allow-list of one address (the sender's own MX): a recipient domain pointing at another loopback host fails
/// 5.4.4, and no banner of that host reaches the status.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class OutboundPolicyJobTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Fact]
    public async Task MessageToADomainPointingInside_FailsWith544_AndTheSenderIsTold()
    {
        await using var world = await MailWorld.CreateAsync();
        var postfix = await world.StartPostfixAsync(null, MailWorld.Sender);
        var inside = await world.StartSinkAsync(new SmtpSinkOptions { HostName = "internal-banner.corp.example" });
        await world.ServeAsync(MailWorld.SenderZone(postfix));
        await world.ServeAsync(MailWorld.MxZone("inside.test", inside.Address));
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, ("Routing:AllowedNetworks", $"{postfix.Address}/32"));

        var receipt = await host.SubmitJsonAsync($$"""{"from":"{{MailWorld.Sender}}","to":["victim@inside.test"],"subject":"Policy","text":"Hello."}""");
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        await host.RunUntilAsync(() => Task.FromResult(postfix.ReadMailbox(MailWorld.Sender).Count > 0));

        var rcpt = Assert.Single(view.Recipients);
        output.WriteLine($"{rcpt.Address}: {rcpt.Status} {rcpt.LastResponse}");
        Assert.Equal(RecipientStatus.Failed, rcpt.Status);
        Assert.Equal("5.4.4", rcpt.LastEnhancedCode);
        Assert.Contains($"all MX addresses are refused by the outbound address policy: mx.inside.test[{inside.Address}] (loopback)", rcpt.LastResponse, StringComparison.Ordinal);
        Assert.DoesNotContain("internal-banner", rcpt.LastResponse, StringComparison.Ordinal);
        Assert.Equal(0, inside.GetSessionStatistics().Total);
        var dsn = Dsn.From(Assert.Single(postfix.ReadMailbox(MailWorld.Sender)));
        Assert.Equal("5.4.4", Assert.Single(dsn.Recipients)["Status"]);
    }
}
