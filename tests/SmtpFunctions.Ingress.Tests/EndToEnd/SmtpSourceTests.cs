using System.Globalization;
using SmtpFunctions.Ingress.Tests.Fixtures;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

[Collection(IngressCollection.Name)]
public sealed class SmtpSourceTests(IngressFixture fixture)
{
    [Fact]
    public async Task SmtpSource_ManyParallelSessionsFromTheTrustedNetwork_AreAllQueued()
    {
        const int Messages = 40;
        var before = await fixture.Server.Storage.CountAsync();

        var (exit, output) = await ClientTools.RunAsync(ClientTools.SmtpSource,
        [
            "-s", "4", "-m", Messages.ToString(CultureInfo.InvariantCulture), "-l", "1024", "-M", "source.client.test",
            "-f", "load@example.com", "-t", "sink@example.net", $"127.0.0.1:{fixture.Server.StartTlsPort}",
        ]);

        Assert.True(exit == 0, output);
        var after = await fixture.Server.Storage.CountAsync();
        Assert.Equal(before.Messages + Messages, after.Messages);
        Assert.Equal(before.Jobs + Messages, after.Jobs);
    }

    [Fact]
    public async Task SmtpSource_PipelinedSessionsKeptOpen_AreAllQueued()
    {
        const int Messages = 20;
        var before = await fixture.Server.Storage.CountAsync();

        var (exit, output) = await ClientTools.RunAsync(ClientTools.SmtpSource,
        [
            "-d", "-s", "2", "-m", Messages.ToString(CultureInfo.InvariantCulture), "-l", "4096", "-r", "3",
            "-f", "load@example.com", "-t", "sink@example.net", $"127.0.0.1:{fixture.Server.StartTlsPort}",
        ]);

        Assert.True(exit == 0, output);
        Assert.Equal(before.Messages + Messages, (await fixture.Server.Storage.CountAsync()).Messages);
    }
}
