using System.Text;
using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Core.Tests.Delivery;

public sealed class SmartHostRelayTests
{
    private const string Ok = "250 2.0.0 Ok";

    private static RelayHarness Harness(bool requireTls = false) => new(o =>
    {
        o.SmartHost.Host = "192.0.2.99";
        o.SmartHost.Port = 2587;
        o.SmartHost.UserName = requireTls ? "user" : "";
        o.SmartHost.Password = requireTls ? "secret" : "";
        o.SmartHost.RequireTls = requireTls;
    });

    [Fact]
    public async Task SmartHost_IsUsedInsteadOfMx()
    {
        await using var h = Harness();
        var peer = h.Connector.Add("192.0.2.99", RelayHarness.Greeting, RelayHarness.Ehlo, Ok, Ok, "354 go", "250 2.0.0 queued");

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple) with { Domain = "no-dns-for-this.test" }, default);

        Assert.Equal(ReplyKind.Success, result.Replies["rcpt@example.net"].Kind);
        Assert.Equal("192.0.2.99[192.0.2.99]:2587", result.Peer);
        Assert.Contains("RCPT TO:<rcpt@example.net>", peer.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SmartHost_WithCredentials_AuthenticatesBeforeMail()
    {
        await using var h = new RelayHarness(o =>
        {
            o.SmartHost.Host = "192.0.2.99";
            o.SmartHost.UserName = "user";
            o.SmartHost.Password = "secret";
            o.SmartHost.RequireTls = false;
        });
        var peer = h.Connector.Add("192.0.2.99", RelayHarness.Greeting, "250-relay.test\r\n250-AUTH PLAIN\r\n250 PIPELINING",
            "235 2.7.0 Authentication successful", Ok, Ok, "354 go", "250 2.0.0 queued");

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal(ReplyKind.Success, result.Replies["rcpt@example.net"].Kind);
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0user\0secret"));
        Assert.Contains($"AUTH PLAIN {plain}", peer.Transcript, StringComparison.Ordinal);
        Assert.True(peer.Transcript.IndexOf("AUTH", StringComparison.Ordinal) < peer.Transcript.IndexOf("MAIL FROM", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SmartHost_WhenAuthFails_Defers()
    {
        await using var h = new RelayHarness(o =>
        {
            o.SmartHost.Host = "192.0.2.99";
            o.SmartHost.UserName = "user";
            o.SmartHost.Password = "wrong";
            o.SmartHost.RequireTls = false;
        });
        h.Connector.Add("192.0.2.99", RelayHarness.Greeting, "250-relay.test\r\n250 AUTH PLAIN", "535 5.7.8 Authentication credentials invalid", "221 Bye");

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal(ReplyKind.Transient, result.Replies["rcpt@example.net"].Kind);
    }

    [Fact]
    public async Task SmartHost_RequiringTlsThatIsNotOffered_DefersWithoutSending()
    {
        await using var h = Harness(requireTls: true);
        var peer = h.Connector.Add("192.0.2.99", RelayHarness.Greeting, RelayHarness.Ehlo);

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);

        Assert.Equal("4.7.4", result.Replies["rcpt@example.net"].EnhancedCode);
        Assert.DoesNotContain("AUTH", peer.Transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("MAIL FROM", peer.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_RefuseCredentialsWithoutTls()
    {
        var options = new SmtpFunctions.Core.Options.DeliveryOptions();
        options.SmartHost.Host = "relay.test";
        options.SmartHost.UserName = "user";
        options.SmartHost.RequireTls = false;

        Assert.NotEmpty(options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)));
    }
}
