using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Dkim;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Core.Tests.Submission;

/// <summary>Runs submissions through the real <see cref="MessagePreparer"/> (all rules, no storage).</summary>
internal static class PreparerFixture
{
    public const string Id = "01m8j01vmaatx2gphqhz6sc4f1";
    public const string HostName = "submit.test.example";
    public static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    public static MessagePreparer Create(Action<SubmissionOptions>? configure = null)
    {
        var options = new SubmissionOptions();
        configure?.Invoke(options);
        var dkim = new DkimMessageSigner(Microsoft.Extensions.Options.Options.Create(new DkimOptions()), TimeProvider.System, NullLogger<DkimMessageSigner>.Instance);
        var delivery = Microsoft.Extensions.Options.Options.Create(new DeliveryOptions { LocalDomain = HostName });
        return new MessagePreparer(Microsoft.Extensions.Options.Options.Create(options), delivery, dkim);
    }

    public static PreparedSubmission Accept(string json, Action<SubmissionOptions>? configure = null) => Accept(Json(json), configure);

    public static PreparedSubmission Accept(SubmissionRequest request, Action<SubmissionOptions>? configure = null)
    {
        var ok = Create(configure).TryPrepare(request, Id, Now, out var prepared, out var error);
        Assert.True(ok, error?.Detail);
        return prepared!;
    }

    public static SubmissionError Reject(string json, Action<SubmissionOptions>? configure = null) => Reject(Json(json), configure);

    public static SubmissionError Reject(SubmissionRequest request, Action<SubmissionOptions>? configure = null)
    {
        var ok = Create(configure).TryPrepare(request, Id, Now, out _, out var error);
        Assert.False(ok, "expected the submission to be refused");
        return error!;
    }

    public static SubmissionRequest Json(string json, string? idempotencyKey = null) => new()
    {
        Source = SubmissionSource.HttpJson,
        Payload = new JsonPayload(Encoding.UTF8.GetBytes(json)),
        IdempotencyKey = idempotencyKey,
    };

    public static SubmissionRequest Mime(string mime, SubmissionEnvelope? envelope = null, IReadOnlyCollection<string>? allowed = null) => new()
    {
        Source = envelope is null ? SubmissionSource.HttpMime : SubmissionSource.Smtp,
        Payload = new MimePayload(Encoding.UTF8.GetBytes(mime)),
        Envelope = envelope,
        AllowedSenderDomains = allowed,
    };

    public static string Text(PreparedSubmission prepared) => Encoding.UTF8.GetString(prepared.Mime);
}
