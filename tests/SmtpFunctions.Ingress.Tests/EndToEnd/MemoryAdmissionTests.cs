using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Ingress.Memory;
using SmtpFunctions.Ingress.Tests.Fixtures;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

/// <summary>
/// The admission limit by bytes in flight (<c>MaxBytesInFlight</c>), here 1.5 MB with 1 MB messages: SIZE is reserved
/// at MAIL, DATA counted as it arrives, and what does not fit is told <c>451 4.3.1</c> — never accepted, never an
/// out-of-memory 554.
/// </summary>
public sealed class MemoryAdmissionTests(MemoryAdmissionTests.Ingress ingress) : IClassFixture<MemoryAdmissionTests.Ingress>
{
    private IngressServer Server => ingress.Server;

    private MemoryBudget Budget => Server.Services.GetRequiredService<MemoryBudget>();

    [Fact]
    public async Task DeclaredSizeThatDoesNotFit_GetsA451AtMail_UntilTheOtherTransactionEnds()
    {
        await using var first = await RawSmtpClient.ConnectAsync(Server.StartTlsPort);
        await using var second = await RawSmtpClient.ConnectAsync(Server.StartTlsPort);
        await first.CommandAsync("EHLO first.test");
        await second.CommandAsync("EHLO second.test");

        Assert.StartsWith("250 2.1.0", await first.CommandAsync("MAIL FROM:<a@example.com> SIZE=1000000"), StringComparison.Ordinal);
        Assert.Equal(1_000_000, Budget.InUse);
        Assert.StartsWith("451 4.3.1", await second.CommandAsync("MAIL FROM:<b@example.com> SIZE=1000000"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.1.0", await second.CommandAsync("MAIL FROM:<b@example.com> SIZE=400000"), StringComparison.Ordinal);

        Assert.StartsWith("250 2.0.0", await first.CommandAsync("RSET"), StringComparison.Ordinal);
        Assert.Equal(400_000, Budget.InUse);
        Assert.StartsWith("250 2.0.0", await second.CommandAsync("RSET"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.1.0", await second.CommandAsync("MAIL FROM:<b@example.com> SIZE=1000000"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataThatOutgrowsTheBudget_GetsA451AtTheEnd_AndNothingIsQueued_ThenTheOtherMessageIsAccepted()
    {
        var before = await Server.Storage.CountAsync();
        await using var holder = await RawSmtpClient.ConnectAsync(Server.StartTlsPort);
        await using var grower = await RawSmtpClient.ConnectAsync(Server.StartTlsPort);
        await holder.CommandAsync("EHLO holder.test");
        await grower.CommandAsync("EHLO grower.test");
        Assert.StartsWith("250 2.1.0", await holder.CommandAsync("MAIL FROM:<a@example.com> SIZE=1000000"), StringComparison.Ordinal);

        // No SIZE: the 600 KB are counted as they arrive, and only 500 KB are left.
        await grower.BeginMessageAsync("b@example.com", "c@example.net");
        var big = TestMessages.Simple("b@example.com", "c@example.net", "grows", new string('x', 600_000));
        Assert.StartsWith("451 4.3.1", await grower.CommandAsync(big + "."), StringComparison.Ordinal);
        Assert.Equal(before, await Server.Storage.CountAsync());

        Assert.StartsWith("250 2.1.5", await holder.CommandAsync("RCPT TO:<c@example.net>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await holder.CommandAsync("DATA"), StringComparison.Ordinal);
        // Lines within RFC 5322's 998 octets, so that hygiene stores the body as it came.
        var body = string.Join("\r\n", Enumerable.Repeat(new string('y', 900), 1_000));
        var id = TestMessages.QueuedId(await holder.CommandAsync(TestMessages.Simple("a@example.com", "c@example.net", "fits", body) + "."));
        Assert.NotNull(id);
        Assert.Contains(body, await Server.Storage.MimeOfAsync(id), StringComparison.Ordinal);
        Assert.Equal(0, Budget.InUse);
    }

    [Fact]
    public async Task SessionThatEndsMidTransactionOrMidData_GivesItsMemoryBack()
    {
        await using (var client = await RawSmtpClient.ConnectAsync(Server.StartTlsPort))
        {
            await client.CommandAsync("EHLO quitter.test");
            await client.BeginMessageAsync("a@example.com", "c@example.net");
            await client.SendAsync(new string('z', 300_000));
            Assert.True(await client.IsSilentAsync(TimeSpan.FromMilliseconds(300)));
        }

        await using (var client = await RawSmtpClient.ConnectAsync(Server.StartTlsPort))
        {
            await client.CommandAsync("EHLO quitter.test");
            Assert.StartsWith("250 2.1.0", await client.CommandAsync("MAIL FROM:<a@example.com> SIZE=700000"), StringComparison.Ordinal);
        }

        // The sessions' ends are noticed by the server in its own time: wait for the budget to drain, not for a clock.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (Budget.InUse != 0)
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>1 MB messages (the test default) and 1.5 MB in flight.</summary>
    public sealed class Ingress : OwnIngress
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Ingress:MaxBytesInFlight"] = "1500000" };
    }
}
