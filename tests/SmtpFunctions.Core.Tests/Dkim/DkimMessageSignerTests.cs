using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using MimeKit.Cryptography;
using SmtpFunctions.Core.Dkim;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Core.Tests.Dkim;

public class DkimMessageSignerTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Sign_RsaKey_AddsOneRelaxedSignatureThatVerifies()
    {
        var signer = Signer(Key(TestKeys.Rsa, "example.com"));
        var message = Message("a@example.com");

        var result = signer.Sign(message, MessageSerializer.FormatFor(false));

        Assert.Equal("d=example.com s=rsa1 a=rsa-sha256", result);
        var tags = Tags(Assert.Single(Signatures(message)));
        Assert.Equal("rsa-sha256", tags["a"]);
        Assert.Equal("relaxed/relaxed", tags["c"]);
        Assert.Equal("example.com", tags["d"]);
        Assert.Equal("rsa1", tags["s"]);
        Assert.Equal(Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), tags["t"]);
        Assert.False(tags.ContainsKey("l"));
        Assert.StartsWith("from:from:", tags["h"], StringComparison.Ordinal);
        Assert.Equal([true], VerifyAfterWrite(message, international: false));
    }

    [Fact]
    public void Sign_Ed25519Key_AddsSignatureThatVerifies()
    {
        var signer = Signer(Key(TestKeys.Ed25519, "example.com"));
        var message = Message("a@example.com");

        Assert.Equal("d=example.com s=ed1 a=ed25519-sha256", signer.Sign(message, MessageSerializer.FormatFor(false)));
        Assert.Equal("ed25519-sha256", Tags(Assert.Single(Signatures(message)))["a"]);
        Assert.Equal([true], VerifyAfterWrite(message, international: false));
    }

    [Fact]
    public void Sign_RsaAndEd25519Keys_DualSignsWithRsaOnTop()
    {
        var signer = Signer(Key(TestKeys.Ed25519, "example.com"), Key(TestKeys.Rsa, "example.com"));
        var message = Message("a@example.com");

        var result = signer.Sign(message, MessageSerializer.FormatFor(false));

        Assert.Equal("d=example.com s=rsa1 a=rsa-sha256; d=example.com s=ed1 a=ed25519-sha256", result);
        Assert.Equal(["rsa-sha256", "ed25519-sha256"], Signatures(message).Select(h => Tags(h)["a"]));
        Assert.Equal(HeaderId.DkimSignature, message.Headers[0].Id);
        Assert.Equal([true, true], VerifyAfterWrite(message, international: false));
    }

    [Fact]
    public void Sign_FromDomainWithoutKey_LeavesMessageUnsignedAndUntouched()
    {
        var signer = Signer(Key(TestKeys.Rsa, "example.com"));
        var message = Message("a@example.org", body: "caf\u00e9\n");
        var before = MessageSerializer.Write(message, false);

        Assert.Equal(DkimMessageSigner.NotSigned, signer.Sign(message, MessageSerializer.FormatFor(false)));
        Assert.Equal("unsigned", DkimMessageSigner.NotSigned);
        Assert.Equal(before, MessageSerializer.Write(message, false));
    }

    [Fact]
    public void Sign_FromDomainCaseAndIdn_MatchesKeyDomain()
    {
        var signer = Signer(Key(TestKeys.Rsa, "bücher.example"));
        var message = Message("a@B\u00dcCHER.example");

        Assert.Equal("d=xn--bcher-kva.example s=rsa1 a=rsa-sha256", signer.Sign(message, MessageSerializer.FormatFor(false)));
        Assert.Equal([true], VerifyAfterWrite(message, international: false));
    }

    [Fact]
    public void Sign_Subdomain_UsesParentKeyOnlyWhenItIncludesSubdomains()
    {
        var strict = Signer(Key(TestKeys.Rsa, "example.com"));
        var inheriting = Signer(Key(TestKeys.Rsa, "example.com", includeSubdomains: true));

        Assert.Equal(DkimMessageSigner.NotSigned, strict.Sign(Message("a@news.example.com"), MessageSerializer.FormatFor(false)));
        var message = Message("a@mail.news.example.com");
        Assert.Equal("d=example.com s=rsa1 a=rsa-sha256", inheriting.Sign(message, MessageSerializer.FormatFor(false)));
        Assert.Equal([true], VerifyAfterWrite(message, international: false));
    }

    [Fact]
    public void Sign_SubdomainWithItsOwnKey_UsesItsOwnKey()
    {
        var signer = Signer(Key(TestKeys.Rsa, "example.com", includeSubdomains: true), Key(TestKeys.Ed25519, "news.example.com"));

        Assert.Equal("d=news.example.com s=ed1 a=ed25519-sha256", signer.Sign(Message("a@news.example.com"), MessageSerializer.FormatFor(false)));
    }

    [Fact]
    public void Sign_EightBitBody_IsMadeSevenBitBeforeSigning()
    {
        var signer = Signer(Key(TestKeys.Rsa, "example.com"));
        var raw = "From: a@example.com\r\nTo: b@example.net\r\nSubject: x\r\nDate: Sun, 1 Jun 2025 12:00:00 +0000\r\n" +
                  "Message-ID: <1@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" +
                  "Content-Transfer-Encoding: 8bit\r\n\r\nCaf\u00e9 cr\u00e8me\r\n";
        var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(raw)));

        signer.Sign(message, MessageSerializer.FormatFor(false));

        var written = MessageSerializer.Write(message, false);
        Assert.False(MessageSerializer.HasEightBitBody(written));
        Assert.Equal([true], Verify(written));
        Assert.Equal("Caf\u00e9 cr\u00e8me", ((TextPart)MimeMessage.Load(new MemoryStream(written)).Body!).Text.TrimEnd());
    }

    [Fact]
    public void Sign_MessageWithoutMimeVersion_AddsAndSignsIt()
    {
        var signer = Signer(Key(TestKeys.Rsa, "example.com"));
        var message = Message("a@example.com");
        message.Headers.RemoveAll(HeaderId.MimeVersion);

        signer.Sign(message, MessageSerializer.FormatFor(false));

        Assert.Contains("mime-version:mime-version", Tags(Signatures(message)[0])["h"], StringComparison.Ordinal);
    }

    [Fact]
    public void Sign_InternationalMessage_SignatureSurvivesUtf8Serialisation()
    {
        var signer = Signer(Key(TestKeys.Ed25519, "example.com"), Key(TestKeys.Rsa, "example.com"));
        var message = Message("j\u00f6rg@example.com", subject: "Gr\u00fc\u00dfe aus K\u00f6ln \u2013 \u65e5\u672c\u8a9e");
        message.To.Add(new MailboxAddress("Z\u00fcrich", "z\u00fc@example.net"));

        signer.Sign(message, MessageSerializer.FormatFor(true));

        var written = MessageSerializer.Write(message, true);
        Assert.Contains("Subject: Gr\u00fc\u00dfe", Encoding.UTF8.GetString(written), StringComparison.Ordinal);
        Assert.Equal([true, true], Verify(written));
    }

    [Fact]
    public void Sign_LongHeaders_SignatureSurvivesFolding()
    {
        var signer = Signer(Key(TestKeys.Rsa, "example.com"));
        var message = Message("a@example.com", subject: string.Join(" ", Enumerable.Repeat("long subject words", 20)));
        for (var i = 0; i < 12; i++)
        {
            message.To.Add(new MailboxAddress($"Recipient Number {i}", $"recipient{i}@example.net"));
        }

        signer.Sign(message, MessageSerializer.FormatFor(false));

        var written = MessageSerializer.Write(message, false);
        Assert.DoesNotContain(Encoding.ASCII.GetString(written).Split("\r\n\r\n")[0].Split("\r\n"), l => l.Length > 998);
        Assert.Equal([true], Verify(written));
    }

    [Fact]
    public void Sign_ThenFromAddedOrBodyAltered_FailsVerification()
    {
        var signer = Signer(Key(TestKeys.Rsa, "example.com"));
        var message = Message("a@example.com");
        signer.Sign(message, MessageSerializer.FormatFor(false));
        var written = Encoding.ASCII.GetString(MessageSerializer.Write(message, false));

        var extraFrom = written.Replace("\r\nFrom: ", "\r\nFrom: evil@attacker.example\r\nFrom: ", StringComparison.Ordinal);
        var alteredBody = written.Replace("Hello there", "Hello thera", StringComparison.Ordinal);

        Assert.NotEqual(written, extraFrom);
        Assert.NotEqual(written, alteredBody);
        Assert.Equal([true], Verify(Encoding.ASCII.GetBytes(written)));
        Assert.Equal([false], Verify(Encoding.ASCII.GetBytes(extraFrom)));
        Assert.Equal([false], Verify(Encoding.ASCII.GetBytes(alteredBody)));
    }

    private static DkimMessageSigner Signer(params DkimKeyOptions[] keys)
    {
        var options = new DkimOptions();
        foreach (var key in keys)
        {
            options.Keys.Add(key);
        }

        return new DkimMessageSigner(Microsoft.Extensions.Options.Options.Create(options), new FakeTimeProvider(Now), NullLogger<DkimMessageSigner>.Instance);
    }

    private static DkimKeyOptions Key(DkimKeyPair pair, string domain, bool includeSubdomains = false) =>
        new() { Domain = domain, Selector = pair.Selector, PrivateKey = pair.PrivateKeyPem, IncludeSubdomains = includeSubdomains };

    private static MimeMessage Message(string from, string subject = "Hello", string body = "Hello there\n")
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", from));
        message.To.Add(MailboxAddress.Parse("b@example.net"));
        message.Subject = subject;
        message.Date = Now;
        message.MessageId = "m1@example.com";
        message.Body = new TextPart("plain") { Text = body };
        MessageSerializer.PrepareBuiltMessage(message);
        return message;
    }

    private static List<Header> Signatures(MimeMessage message) => message.Headers.Where(h => h.Id == HeaderId.DkimSignature).ToList();

    private static Dictionary<string, string> Tags(Header signature) =>
        signature.Value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(t => t.Split('=', 2))
            .ToDictionary(t => t[0], t => string.Concat(t[1].Where(c => !char.IsWhiteSpace(c))));

    private static List<bool> VerifyAfterWrite(MimeMessage message, bool international) => Verify(MessageSerializer.Write(message, international));

    // MimeKit's own verifier, over the written octets re-read: a quick in-process check. The independent check is dkimpy's,
    // in the integration tests.
    private static List<bool> Verify(byte[] octets)
    {
        var parsed = MimeMessage.Load(new MemoryStream(octets));
        var verifier = new DkimVerifier(new AnyDomainKeyLocator());
        return parsed.Headers.Where(h => h.Id == HeaderId.DkimSignature).Select(h => verifier.Verify(parsed, h)).ToList();
    }

    // Serves the test keys at their selector under whatever domain is asked.
    private sealed class AnyDomainKeyLocator : DkimPublicKeyLocatorBase
    {
        public override Org.BouncyCastle.Crypto.AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            GetPublicKey(selector == TestKeys.Rsa.Selector ? TestKeys.Rsa.TxtValue : TestKeys.Ed25519.TxtValue);

        public override Task<Org.BouncyCastle.Crypto.AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }
}
