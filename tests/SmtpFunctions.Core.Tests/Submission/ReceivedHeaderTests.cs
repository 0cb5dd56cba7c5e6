using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Text;
using MimeKit;
using SmtpFunctions.Core.Submission;
using static SmtpFunctions.Core.Tests.Submission.PreparerFixture;

namespace SmtpFunctions.Core.Tests.Submission;

/// <summary>Issue 11, item 5: each door prepends a Received field (RFC 5321 §4.4) worded as Postfix words it.</summary>
public class ReceivedHeaderTests
{
    private const string Raw = "From: a@example.com\r\nTo: b@example.net\r\nSubject: s\r\n\r\nbody\r\n";

    [Fact]
    public void Prepare_SmtpWithTlsAndAuth_IsEsmtpsa_WithClientAndCipher()
    {
        var received = ReceivedOf(Smtp(new SubmissionClient
        {
            Address = IPAddress.Parse("192.0.2.7"),
            HeloName = "laptop.example",
            Tls = true,
            TlsProtocol = SslProtocols.Tls13,
            CipherSuite = TlsCipherSuite.TLS_AES_256_GCM_SHA384,
            AuthenticatedUser = "alice",
        }));

        Assert.Equal(
            "Received: from laptop.example ([192.0.2.7])\r\n" +
            "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)\r\n" +
            $"\tby {HostName} (SmtpFunctions) with ESMTPSA id {Id};\r\n" +
            "\tSat, 28 Nov 2026 12:00:00 +0000\r\n",
            received);
        Assert.DoesNotContain("alice", received, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false, true, "ESMTP")]
    [InlineData(true, false, true, "ESMTPS")]
    [InlineData(false, true, true, "ESMTPA")]
    [InlineData(true, true, true, "ESMTPSA")]
    [InlineData(false, false, false, "SMTP")]
    public void Protocol_FollowsRfc3848(bool tls, bool auth, bool extended, string expected)
    {
        var client = new SubmissionClient { Tls = tls, AuthenticatedUser = auth ? "u" : null, Extended = extended };

        Assert.Equal(expected, ReceivedHeader.Protocol(SubmissionSource.Smtp, client));
    }

    [Theory]
    [InlineData(SubmissionSource.HttpJson, true, "HTTPS")]
    [InlineData(SubmissionSource.HttpMime, false, "HTTP")]
    public void Protocol_OfTheHttpDoor_IsHttpOrHttps(SubmissionSource source, bool tls, string expected) =>
        Assert.Equal(expected, ReceivedHeader.Protocol(source, new SubmissionClient { Tls = tls }));

    [Fact]
    public void Prepare_HttpClient_IsNamedByItsAddressLiteral()
    {
        var received = ReceivedOf(Http(new SubmissionClient { Address = IPAddress.Parse("::ffff:203.0.113.9"), Tls = true }));

        Assert.StartsWith("Received: from [203.0.113.9] ([203.0.113.9])\r\n\tby ", received, StringComparison.Ordinal);
        Assert.Contains(" with HTTPS id ", received, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_Ipv6Client_IsAnIpv6Literal()
    {
        var received = ReceivedOf(Http(new SubmissionClient { Address = IPAddress.Parse("2001:db8::5") }));

        Assert.StartsWith("Received: from [IPv6:2001:db8::5] ([IPv6:2001:db8::5])\r\n", received, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_WhenPrivacyAsksForIt_NamesNoClient()
    {
        var request = Smtp(new SubmissionClient { Address = IPAddress.Parse("192.0.2.7"), HeloName = "laptop.example", Tls = true, AuthenticatedUser = "alice" });
        var received = ReceivedOf(request, o => o.ReceivedHeaderShowsClient = false);

        Assert.StartsWith($"Received: by {HostName} (SmtpFunctions) with ESMTPSA id {Id};\r\n", received, StringComparison.Ordinal);
        Assert.DoesNotContain("192.0.2.7", received, StringComparison.Ordinal);
        Assert.DoesNotContain("laptop", received, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("evil.example (forged [10.0.0.1])")]
    [InlineData("a;b")]
    [InlineData("")]
    public void Prepare_HeloThatCouldForgeAClause_IsLeftOut(string helo)
    {
        var received = ReceivedOf(Smtp(new SubmissionClient { Address = IPAddress.Parse("192.0.2.7"), HeloName = helo }));

        Assert.StartsWith("Received: from [192.0.2.7] ([192.0.2.7])\r\n", received, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_WithoutClientDetails_SaysWhatTheDoorImplies()
    {
        var received = ReceivedOf(new SubmissionRequest
        {
            Source = SubmissionSource.Smtp,
            Payload = new MimePayload(Encoding.ASCII.GetBytes(Raw)),
            Envelope = new SubmissionEnvelope("a@example.com", ["b@example.net"]),
        });

        Assert.Equal($"Received: by {HostName} (SmtpFunctions) with ESMTP id {Id};\r\n\tSat, 28 Nov 2026 12:00:00 +0000\r\n", received);
    }

    [Fact]
    public void Prepare_PrependsAboveTheSubmittedTrace()
    {
        var request = Http(null) with
        {
            Payload = new MimePayload(Encoding.ASCII.GetBytes("Received: from mua.example by first.example; Sat, 28 Nov 2026 11:59:00 +0000\r\n" + Raw)),
        };
        var ok = Create().TryPrepare(request, Id, Now, out var prepared, out var error);

        Assert.True(ok, error?.Detail);
        var received = MimeMessage.Load(new MemoryStream(prepared!.Mime.ToArray())).Headers.Where(h => h.Id == HeaderId.Received).ToList();
        Assert.Equal(2, received.Count);
        Assert.Contains(HostName, received[0].Value, StringComparison.Ordinal);
        Assert.Contains("first.example", received[1].Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_Bounce_GetsNoReceived()
    {
        var dsn = MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes("From: MAILER-DAEMON@submit.test.example\r\nTo: a@example.com\r\nSubject: failed\r\n\r\nx\r\n")));
        var ok = Create().TryPrepare(new SubmissionRequest
        {
            Source = SubmissionSource.Bounce,
            Payload = new MessagePayload(dsn),
            Envelope = new SubmissionEnvelope(null, ["a@example.com"]),
        }, Id, Now, out var prepared, out var error);

        Assert.True(ok, error?.Detail);
        Assert.DoesNotContain("Received:", Text(prepared!), StringComparison.Ordinal);
    }

    private static SubmissionRequest Smtp(SubmissionClient client) => new()
    {
        Source = SubmissionSource.Smtp,
        Payload = new MimePayload(Encoding.ASCII.GetBytes(Raw)),
        Envelope = new SubmissionEnvelope("a@example.com", ["b@example.net"]),
        Client = client,
    };

    private static SubmissionRequest Http(SubmissionClient? client) => new()
    {
        Source = SubmissionSource.HttpMime,
        Payload = new MimePayload(Encoding.ASCII.GetBytes(Raw)),
        Client = client,
    };

    // The first field as stored, with its folding.
    private static string ReceivedOf(SubmissionRequest request, Action<SmtpFunctions.Core.Options.SubmissionOptions>? configure = null)
    {
        var ok = Create(configure).TryPrepare(request, Id, Now, out var prepared, out var error);
        Assert.True(ok, error?.Detail);
        var text = Text(prepared!);
        Assert.StartsWith("Received: ", text, StringComparison.Ordinal);
        var end = text.IndexOf("\r\n", StringComparison.Ordinal);
        while (text[end + 2] is ' ' or '\t')
        {
            end = text.IndexOf("\r\n", end + 2, StringComparison.Ordinal);
        }

        return text[..(end + 2)];
    }
}
