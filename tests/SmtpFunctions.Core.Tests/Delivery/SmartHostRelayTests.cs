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
    public async Task SmartHost_WithCredentials_StartsTlsThenAuthenticatesBeforeMail()
    {
        // The only configuration validation allows with credentials: TLS required (credentials never go in clear).
        await using var peer = new TlsScriptedPeer();
        void Configure(SmtpFunctions.Core.Options.DeliveryOptions o)
        {
            o.SmartHost.Host = "127.0.0.1";
            o.SmartHost.Port = peer.Port;
            o.SmartHost.UserName = "user";
            o.SmartHost.Password = "secret";
            o.SmartHost.RequireTls = true;
            o.SmartHost.AcceptInvalidCertificate = true;
        }

        var options = new SmtpFunctions.Core.Options.DeliveryOptions();
        Configure(options);
        Assert.Empty(options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)));
        await using var h = new RelayHarness(Configure, connector: new TcpSmtpPeerConnector(Microsoft.Extensions.Options.Options.Create(options)));

        var result = await h.Relay.RelayAsync(RelayHarness.Request(TestMessages.Simple), default);
        await h.Cache.DisposeAsync();
        var commands = await peer.CommandsAsync();

        Assert.Equal(ReplyKind.Success, result.Replies["rcpt@example.net"].Kind);
        Assert.True(result.Tls);
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0user\0secret"));
        var auth = Assert.Single(commands, c => c.Line.StartsWith("AUTH", StringComparison.Ordinal) || c.Line == plain);
        Assert.True(auth.Encrypted, "AUTH was sent before TLS");
        Assert.Contains(commands, c => c.Encrypted && (c.Line == $"AUTH PLAIN {plain}" || c.Line == plain));
        Assert.Contains(commands, c => !c.Encrypted && c.Line == "STARTTLS");
        var order = commands.Select(c => c.Line.Split(' ', 2)[0]).ToList();
        Assert.True(order.IndexOf("STARTTLS") < order.FindIndex(c => c == "AUTH" || c == plain));
        Assert.True(order.FindIndex(c => c == "AUTH" || c == plain) < order.IndexOf("MAIL"));
        Assert.DoesNotContain(commands, c => !c.Encrypted && (c.Line.StartsWith("MAIL", StringComparison.Ordinal) || c.Line.StartsWith("AUTH", StringComparison.Ordinal)));
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
