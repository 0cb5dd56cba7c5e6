using SmtpFunctions.Testing.Postfix;
using SmtpFunctions.Testing.Tls;

namespace SmtpFunctions.Testing.Tests.Postfix;

/// <summary>One Postfix as final destination for <c>final.test</c>, with STARTTLS, an access-map rejection and a size limit.</summary>
public sealed class FinalDestinationFixture : IAsyncLifetime
{
    public const string Domain = "final.test";
    public const string Alice = "alice@final.test";
    public const string Bob = "bob@final.test";
    public const string Blocked = "blocked@final.test";
    public const long SizeLimit = 200_000;

    private readonly string _certificates = Path.Combine(Path.GetTempPath(), "smtpfunctions-peers-tests-" + Guid.NewGuid().ToString("N")[..8]);
    private PostfixInstance? _postfix;

    public PostfixInstance Postfix => _postfix ?? throw new InvalidOperationException("Not started.");

    public TestCertificate Certificate { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Certificate = TestCertificate.Create(_certificates, "mx.final.test");
        var options = new PostfixOptions
        {
            HostName = "mx.final.test",
            AcceptUnknownRecipients = false,
            TlsCertificate = Certificate,
            MessageSizeLimit = SizeLimit,
        }.RejectRecipient(Blocked);
        options.MailboxDomains.Add(Domain);
        options.Mailboxes.Add(Alice);
        options.Mailboxes.Add(Bob);
        _postfix = await PostfixInstance.StartAsync(options);
    }

    public async Task DisposeAsync()
    {
        if (_postfix is not null)
        {
            await _postfix.DisposeAsync();
        }

        (Certificate as IDisposable)?.Dispose();
        if (Directory.Exists(_certificates))
        {
            Directory.Delete(_certificates, recursive: true);
        }
    }
}
