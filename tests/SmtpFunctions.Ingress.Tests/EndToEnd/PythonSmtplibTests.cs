using System.Globalization;
using SmtpFunctions.Ingress.Tests.Fixtures;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

[Collection(IngressCollection.Name)]
public sealed class PythonSmtplibTests(IngressFixture fixture) : IDisposable
{
    // Python's smtplib over implicit TLS (RFC 8314), from an untrusted address, as a mail program would submit.
    private const string Script = """
        import smtplib, ssl, sys
        port, user, password, sender, recipients, message = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].split(","), sys.argv[6]
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        with smtplib.SMTP_SSL("127.0.0.1", int(port), context=context, timeout=30, source_address=("127.0.0.3", 0)) as smtp:
            smtp.ehlo("python.client.test")
            print("TLS", smtp.sock.version())
            print("AUTH", smtp.has_extn("auth"), smtp.esmtp_features.get("auth", ""))
            print("LOGIN", smtp.login(user, password))
            try:
                code, reply = smtp.mail(sender)
                print("MAIL", code, reply.decode())
                for r in recipients:
                    code, reply = smtp.rcpt(r)
                    print("RCPT", code, reply.decode())
                code, reply = smtp.data(open(message, "rb").read())
                print("DATA", code, reply.decode())
            except smtplib.SMTPException as e:
                print("ERROR", e)
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("ingress-python-").FullName;

    [Fact]
    public async Task Smtplib_ImplicitTls_LoginAndSendToTwoDomains_QueuesOneJobPerDomain()
    {
        var subject = $"python {Guid.NewGuid():N}";
        await fixture.Server.Storage.ClearJobsAsync();
        var (exit, output) = await RunAsync(TestAccounts.Carol, TestAccounts.CarolPassword, "carol@example.net",
            "a@example.org,b@example.org,c@example.com", TestMessages.Simple("carol@example.net", "a@example.org", subject));

        Assert.True(exit == 0, output);
        Assert.Contains("TLS TLSv1.3", output, StringComparison.Ordinal);
        Assert.Matches(@"AUTH True\s+PLAIN LOGIN", output);
        var id = TestMessages.QueuedId(output);
        Assert.True(id is not null, output);
        var (message, recipients) = await fixture.Server.Storage.RowsOfAsync(id);
        Assert.Equal(3, message!.RecipientCount);
        Assert.Equal(3, recipients.Count);
        var jobs = await fixture.Server.Storage.JobsOfAsync(id);
        Assert.Equal(["example.com", "example.org"], jobs.Select(j => j.Domain));
        Assert.Equal(["a@example.org", "b@example.org"], jobs[1].Recipients);
        Assert.All(jobs, j => Assert.Equal("carol@example.net", j.Sender));
        Assert.Contains(subject, await fixture.Server.Storage.MimeOfAsync(id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smtplib_FromHeaderOfAForeignDomain_IsRefusedWith550()
    {
        var before = await fixture.Server.Storage.CountAsync();

        var (exit, output) = await RunAsync(TestAccounts.Carol, TestAccounts.CarolPassword, "carol@example.net",
            "a@example.org", TestMessages.Simple("ceo@bank.example", "a@example.org", "phish"));

        Assert.True(exit == 0, output);
        Assert.Contains("DATA 550 5.7.1", output, StringComparison.Ordinal);
        Assert.Contains("bank.example", output, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Server.Storage.CountAsync());
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<(int ExitCode, string Output)> RunAsync(string user, string password, string sender, string recipients, string message)
    {
        var script = Path.Combine(_folder, "submit.py");
        var messageFile = Path.Combine(_folder, "message.eml");
        await File.WriteAllTextAsync(script, Script);
        await File.WriteAllTextAsync(messageFile, message);
        return await ClientTools.RunAsync(ClientTools.Python,
            [script, fixture.Server.ImplicitTlsPort.ToString(CultureInfo.InvariantCulture), user, password, sender, recipients, messageFile]);
    }
}
