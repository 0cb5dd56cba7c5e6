using System.Text;
using SmtpFunctions.Core.Events;

namespace SmtpFunctions.Core.Tests.Events;

public sealed class WebhookSignatureTests
{
    // The Standard Webhooks specification's example (also the svix libraries' test vector).
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string Id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long Timestamp = 1614265330;
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"test\": 2432232314}");

    [Fact]
    public void Sign_SpecificationExample_GivesItsSignature() =>
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", WebhookSignature.Sign(Secret, Id, Timestamp, Body));

    [Fact]
    public void Verify_AmongSeveralSignatures_AcceptsTheValidOne()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(Timestamp + 10);
        var header = "v1,bm9wZQ== " + WebhookSignature.Sign(Secret, Id, Timestamp, Body);
        Assert.True(WebhookSignature.Verify(Secret, Id, "1614265330", header, Body, now, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Verify_ChangedBodyOrOldTimestamp_IsRefused()
    {
        var signature = WebhookSignature.Sign(Secret, Id, Timestamp, Body);
        var now = DateTimeOffset.FromUnixTimeSeconds(Timestamp);
        Assert.False(WebhookSignature.Verify(Secret, Id, "1614265330", signature, Encoding.UTF8.GetBytes("{\"test\": 1}"), now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(Secret, Id, "1614265330", signature, Body, now + TimeSpan.FromMinutes(6), TimeSpan.FromMinutes(5)));
    }

    [Theory]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    [InlineData("whsec_c2hvcnQ=")]
    [InlineData("whsec_not base64!")]
    public void KeyOf_NotAWhsecSecretOf24To64Bytes_IsNull(string secret) => Assert.Null(WebhookSignature.KeyOf(secret));

    [Fact]
    public void NewSecret_IsAUsableSecret() => Assert.Equal(32, WebhookSignature.KeyOf(WebhookSignature.NewSecret())!.Length);
}
