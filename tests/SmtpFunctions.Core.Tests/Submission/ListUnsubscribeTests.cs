using System.Text;
using MimeKit;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Core.Tests.Submission;

public class ListUnsubscribeTests
{
    [Fact]
    public void Build_HttpsAndMailto_EmitsBothUrisAndOneClick()
    {
        var message = Build("""["https://example.com/unsubscribe?u=42&l=news", "mailto:unsubscribe@example.com?subject=unsubscribe"]""");

        Assert.Equal("<https://example.com/unsubscribe?u=42&l=news>, <mailto:unsubscribe@example.com?subject=unsubscribe>",
            Unfold(message.Headers["List-Unsubscribe"]));
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
    }

    [Fact]
    public void Build_SingleHttpsString_EmitsOneClick()
    {
        var message = Build("\"https://example.com/u/abc\"");

        Assert.Equal("<https://example.com/u/abc>", message.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
    }

    [Fact]
    public void Build_MailtoOnly_EmitsNoOneClick()
    {
        var message = Build("\"mailto:leave@example.com\"");

        Assert.Equal("<mailto:leave@example.com>", message.Headers["List-Unsubscribe"]);
        Assert.False(message.Headers.Contains("List-Unsubscribe-Post"));
    }

    [Fact]
    public void Build_OneClickTurnedOff_EmitsOnlyListUnsubscribe()
    {
        var message = Build("\"https://example.com/u/abc\"", """, "listUnsubscribeOneClick": false""");

        Assert.True(message.Headers.Contains("List-Unsubscribe"));
        Assert.False(message.Headers.Contains("List-Unsubscribe-Post"));
    }

    [Theory]
    [InlineData("mailto:list+unsubscribe@example.com?subject=unsubscribe%20me&body=please")]
    [InlineData("MAILTO:u@example.com")]
    public void Build_MailtoForms_AreAccepted(string uri)
    {
        var message = Build($"\"{uri}\"");

        Assert.Equal($"<{uri}>", message.Headers["List-Unsubscribe"]);
    }

    [Fact]
    public void Build_NoListUnsubscribe_EmitsNeither()
    {
        var message = Build(null);

        Assert.False(message.Headers.Contains("List-Unsubscribe"));
        Assert.False(message.Headers.Contains("List-Unsubscribe-Post"));
    }

    [Fact]
    public void Build_LongUri_SurvivesSerialisationIntact()
    {
        var uri = "https://example.com/unsubscribe?token=" + new string('a', 700);
        var message = Build($"[\"{uri}\", \"mailto:u@example.com\"]");

        var reread = MimeMessage.Load(new MemoryStream(MessageSerializer.Write(message, false)));

        Assert.Equal($"<{uri}>, <mailto:u@example.com>", Unfold(reread.Headers["List-Unsubscribe"]));
    }

    [Theory]
    [InlineData("\"http://example.com/u\"", "listUnsubscribe", "scheme 'http' is not allowed: use https (one-click, RFC 8058) or mailto")]
    [InlineData("\"ftp://example.com/u\"", "listUnsubscribe", "scheme 'ftp' is not allowed")]
    [InlineData("\"javascript:alert(1)\"", "listUnsubscribe", "scheme 'javascript' is not allowed")]
    [InlineData("\"https://example.com/u\\r\\nBcc: victim@example.net\"", "listUnsubscribe", "contains CR or LF")]
    [InlineData("\"https://example.com/a b\"", "listUnsubscribe", "must be ASCII without spaces")]
    [InlineData("\"https://example.com/a,b\"", "listUnsubscribe", "percent-encode")]
    [InlineData("\"https://example.com/a>b\"", "listUnsubscribe", "angle brackets")]
    [InlineData("\"https://ex\u00e4mple.com/\"", "listUnsubscribe", "must be ASCII")]
    [InlineData("\"example.com/unsubscribe\"", "listUnsubscribe", "is not an absolute URI")]
    [InlineData("\"https://user:pw@example.com/u\"", "listUnsubscribe", "must not carry user information")]
    [InlineData("\"mailto:not-an-address\"", "listUnsubscribe", "is not one email address")]
    [InlineData("\"mailto:a@example.com%2Cb@example.com\"", "listUnsubscribe", "is not one email address")]
    [InlineData("\"mailto:\"", "listUnsubscribe", "is not one email address")]
    [InlineData("\"mailto:?subject=x\"", "listUnsubscribe", "is not one email address")]
    [InlineData("\"mailto:Name%20%3Ca@example.com%3E\"", "listUnsubscribe", "is not one email address")]
    [InlineData("\"\"", "listUnsubscribe", "is empty")]
    [InlineData("[]", "listUnsubscribe", "is empty; give an https URI, a mailto URI, or both")]
    [InlineData("[\"https://a.example/u\", \"https://b.example/u\"]", "listUnsubscribe", "at most one https and one mailto")]
    [InlineData("[\"mailto:a@example.com\", \"http://x.example/\"]", "listUnsubscribe[1]", "scheme 'http' is not allowed")]
    public void Build_BadUri_IsAFieldError(string json, string field, string detail)
    {
        var errors = Errors(json);

        Assert.Contains(errors, e => e.Field == field && e.Detail.Contains(detail, StringComparison.Ordinal));
    }

    [Fact]
    public void Build_TooLongUri_IsAFieldError()
    {
        var errors = Errors($"\"https://example.com/{new string('a', ListUnsubscribeRules.MaxUriLength)}\"");

        Assert.Contains(errors, e => e.Field == "listUnsubscribe" && e.Detail.Contains("longer than 900", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_OneClickWithoutHttps_IsAFieldError()
    {
        var errors = Errors("\"mailto:u@example.com\"", """, "listUnsubscribeOneClick": true""");

        Assert.Contains(errors, e => e.Field == "listUnsubscribeOneClick" && e.Detail.Contains("needs an https URI", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_OneClickWithoutListUnsubscribe_IsAFieldError()
    {
        var errors = Errors(null, """, "listUnsubscribeOneClick": true""");

        Assert.Contains(errors, e => e.Field == "listUnsubscribeOneClick");
    }

    [Theory]
    [InlineData("List-Unsubscribe")]
    [InlineData("list-unsubscribe")]
    [InlineData("List-Unsubscribe-Post")]
    public void Build_ListUnsubscribeThroughHeaders_IsRefusedPointingToTheField(string name)
    {
        var errors = Errors(null, $$""", "headers": { "{{name}}": "<https://example.com/u>" }""");

        var error = Assert.Single(errors);
        Assert.Equal($"headers.{name}", error.Field);
        Assert.Contains("listUnsubscribe field", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WrongType_IsRejected()
    {
        Assert.False(JsonMessageReader.TryRead(Json("42", ""), out _, out var error));
        Assert.Equal("listUnsubscribe", error!.Field);
    }

    private static MimeMessage Build(string? listUnsubscribe, string extra = "")
    {
        Assert.True(JsonMessageReader.TryRead(Json(listUnsubscribe, extra), out var request, out var readError), readError?.Detail);
        var prepared = JsonMessageBuilder.Build(request!, 50, 1000, out var errors);
        Assert.True(prepared is not null, string.Join("; ", errors.Select(e => $"{e.Field}: {e.Detail}")));
        return prepared!.Message;
    }

    private static List<FieldError> Errors(string? listUnsubscribe, string extra = "")
    {
        Assert.True(JsonMessageReader.TryRead(Json(listUnsubscribe, extra), out var request, out var readError), readError?.Detail);
        Assert.Null(JsonMessageBuilder.Build(request!, 50, 1000, out var errors));
        return errors;
    }

    private static byte[] Json(string? listUnsubscribe, string extra) => Encoding.UTF8.GetBytes(
        "{\"from\": \"news@example.com\", \"to\": \"reader@example.net\", \"subject\": \"News\", \"text\": \"Hi\"" +
        (listUnsubscribe is null ? "" : $", \"listUnsubscribe\": {listUnsubscribe}") + extra + "}");

    private static string Unfold(string? value) => (value ?? "").Replace("\r\n", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal)
        .Replace("\t", " ", StringComparison.Ordinal);
}
