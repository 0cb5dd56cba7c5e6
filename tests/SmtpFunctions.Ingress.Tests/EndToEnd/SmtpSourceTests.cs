using System.Net;
using SmtpFunctions.Ingress.Tests.Fixtures;
using SmtpFunctions.Testing.Postfix;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

[Collection(IngressCollection.Name)]
public sealed class SmtpSourceTests(IngressFixture fixture)
{
    private IPEndPoint Ingress => new(IPAddress.Loopback, fixture.Server.StartTlsPort);

    [Fact]
    public async Task SmtpSource_ManyParallelSessionsFromTheTrustedNetwork_AreAllQueued()
    {
        const int Messages = 40;
        var before = await fixture.Server.Storage.CountAsync();

        var result = await SmtpSource.RunAsync(Ingress, new SmtpSourceOptions
        {
            Sessions = 4, Messages = Messages, BodyLength = 1024, HeloName = "source.client.test", From = "load@example.com", To = "sink@example.net",
        });

        Assert.True(result.ExitCode == 0, result.Output);
        var after = await fixture.Server.Storage.CountAsync();
        Assert.Equal(before.Messages + Messages, after.Messages);
        Assert.Equal(before.Jobs + Messages, after.Jobs);
    }

    [Fact]
    public async Task SmtpSource_SessionsKeptOpenWithSeveralRecipients_AreAllQueued()
    {
        const int Messages = 20;
        var before = await fixture.Server.Storage.CountAsync();

        var result = await SmtpSource.RunAsync(Ingress, new SmtpSourceOptions
        {
            ReuseConnections = true, Sessions = 2, Messages = Messages, BodyLength = 4096, RecipientsPerMessage = 3, From = "load@example.com", To = "sink@example.net",
        });

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(before.Messages + Messages, (await fixture.Server.Storage.CountAsync()).Messages);
    }
}
