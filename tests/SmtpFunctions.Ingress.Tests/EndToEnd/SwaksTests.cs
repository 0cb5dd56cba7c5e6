using System.Globalization;
using SmtpFunctions.Ingress.Tests.Fixtures;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

[Collection(IngressCollection.Name)]
public sealed class SwaksTests(IngressFixture fixture) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ingress-swaks-").FullName;

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    public async Task Swaks_StartTlsAuthWithAttachment_IsQueuedWithItsAttachment(string mechanism)
    {
        var attachment = Path.Combine(_folder, "report.txt");
        await File.WriteAllTextAsync(attachment, $"quarterly numbers {mechanism} {Guid.NewGuid()}\n");
        var subject = $"swaks {mechanism} {Guid.NewGuid():N}";

        var (exit, output) = await Swaks(
            "--tls", "--auth", mechanism, "--auth-user", TestAccounts.Alice, "--auth-password", TestAccounts.AlicePassword,
            "--from", "alice@example.com", "--to", "rcpt1@example.net,rcpt2@example.org",
            "--header", $"Subject: {subject}", "--attach-type", "text/plain", "--attach", attachment);

        Assert.True(exit == 0, output);
        var id = TestMessages.QueuedId(output);
        Assert.NotNull(id);
        var (message, recipients) = await fixture.Server.Storage.RowsOfAsync(id);
        Assert.NotNull(message);
        Assert.Equal("smtp", message.Source);
        Assert.Equal("alice@example.com", message.Sender);
        Assert.Equal(["rcpt1@example.net", "rcpt2@example.org"], recipients.Select(r => r.Address).Order(StringComparer.Ordinal));
        Assert.All(recipients, r => Assert.Equal("queued", r.Status));
        var mime = await fixture.Server.Storage.MimeOfAsync(id);
        Assert.Contains(subject, mime, StringComparison.Ordinal);
        Assert.Contains(Convert.ToBase64String(await File.ReadAllBytesAsync(attachment))[..20], mime, StringComparison.Ordinal);
        // The door's own trace field comes first: from swaks' address, over TLS, authenticated (RFC 3848's ESMTPSA).
        var trace = mime[..(mime.IndexOf(" id ", StringComparison.Ordinal) + 1)];
        Assert.StartsWith("Received: from ", trace, StringComparison.Ordinal);
        Assert.Contains("[127.0.0.2]", trace, StringComparison.Ordinal);
        Assert.Contains("(using TLSv1.", trace, StringComparison.Ordinal);
        Assert.Contains("with ESMTPSA ", trace, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swaks_AuthWithoutTls_IsNotOffered()
    {
        var (exit, output) = await Swaks(
            "--auth", "PLAIN", "--auth-user", TestAccounts.Alice, "--auth-password", TestAccounts.AlicePassword,
            "--from", "alice@example.com", "--to", "rcpt@example.net");

        Assert.NotEqual(0, exit);
        // swaks prints what the server sent in clear as "<-  …" ("<~" only under TLS): the EHLO answer was read, and
        // no line of it offers AUTH.
        var received = output.Split('\n').Where(l => l.StartsWith("<-", StringComparison.Ordinal)).ToList();
        Assert.Contains(received, l => l.Contains("250", StringComparison.Ordinal) && l.Contains("STARTTLS", StringComparison.Ordinal));
        Assert.DoesNotContain(received, l => l.Contains("AUTH", StringComparison.Ordinal));
        Assert.DoesNotContain(output.Split('\n'), l => l.StartsWith(" -> AUTH", StringComparison.Ordinal));
        Assert.Contains("authentication", output, StringComparison.OrdinalIgnoreCase);
        Assert.Null(TestMessages.QueuedId(output));
    }

    [Fact]
    public async Task Swaks_WrongPassword_GetsAuthenticationFailedAndNothingIsQueued()
    {
        var before = await fixture.Server.Storage.CountAsync();

        var (exit, output) = await Swaks(
            "--tls", "--auth", "PLAIN", "--auth-user", TestAccounts.Bob, "--auth-password", "not bob's password",
            "--from", "bob@example.org", "--to", "rcpt@example.net");

        Assert.NotEqual(0, exit);
        Assert.Contains("535 5.7.8", output, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Server.Storage.CountAsync());
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Task<(int ExitCode, string Output)> Swaks(params string[] arguments) =>
        ClientTools.RunAsync(ClientTools.Swaks,
        [
            "--server", "127.0.0.1", "--port", fixture.Server.StartTlsPort.ToString(CultureInfo.InvariantCulture),
            "--local-interface", "127.0.0.2", "--helo", "swaks.client.test", "--timeout", "30", .. arguments,
        ]);
}
