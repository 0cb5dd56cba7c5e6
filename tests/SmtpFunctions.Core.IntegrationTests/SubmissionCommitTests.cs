using System.Text;
using Azure.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Testing.Azurite;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// The commit point when storage applies the status transaction but its answer is lost: the message is queued, so the
/// submission must not be answered 503 when storage can say otherwise, and a 503 that stands is safe to retry with the
/// same Idempotency-Key.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class SubmissionCommitTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string Json = """{"from":"sender@sender.test","to":["a@one.test","b@two.test"],"subject":"hi","text":"hello"}""";

    private async Task<DeliveryHost> StartAsync(LostAnswerPolicy policy) =>
        await DeliveryHost.StartAsync(azurite.Azurite.ConnectionString, output, new Dictionary<string, string?>(),
            services => services.AddSingleton<HttpPipelinePolicy>(policy));

    private static SubmissionRequest Request(string? idempotencyKey = null) => new()
    {
        Source = SubmissionSource.HttpJson,
        Payload = new JsonPayload(Encoding.UTF8.GetBytes(Json)),
        IdempotencyKey = idempotencyKey,
    };

    [Fact]
    public async Task CommitAppliedButItsAnswerLost_IsAccepted_AfterReadingItBack_AndQueuedOnce()
    {
        var policy = new LostAnswerPolicy();
        await using var host = await StartAsync(policy);
        policy.Arm();

        var outcome = await host.Submission.SubmitAsync(Request(), CancellationToken.None);

        Assert.True(outcome.IsAccepted, outcome.Error?.Detail);
        Assert.Equal(1, policy.TransactionsApplied);
        policy.Disarm();
        var view = await host.Status.GetViewAsync(outcome.Receipt!.MessageId, CancellationToken.None);
        Assert.NotNull(view);
        Assert.All(view.Recipients, r => Assert.Equal(RecipientStatus.Queued, r.Status));
        Assert.Equal(2, await host.VisibleJobsAsync());
    }

    [Fact]
    public async Task CommitNeverSent_Is503_AndNothingClaimsToBeQueued()
    {
        var policy = new LostAnswerPolicy { AfterSending = false };
        await using var host = await StartAsync(policy);
        var key = "lost-before-sending-" + Guid.NewGuid();
        policy.Arm();

        var outcome = await host.Submission.SubmitAsync(Request(key), CancellationToken.None);

        Assert.Equal(SubmissionErrorKind.StorageUnavailable, outcome.Error?.Kind);
        Assert.Equal(0, policy.TransactionsApplied);
        policy.Disarm();
        var (message, recipients) = await host.Status.GetAsync(MessageIds.ForIdempotencyKey(key), CancellationToken.None);
        Assert.Null(message);
        Assert.Empty(recipients);
    }

    [Fact]
    public async Task CommitAppliedWhileStorageStaysAway_Is503_AndTheRetryWithTheSameKeyAnswersForIt_WithoutASecondMessage()
    {
        var policy = new LostAnswerPolicy { ReadsFailAfterward = true };
        await using var host = await StartAsync(policy);
        var key = "applied-unconfirmed-" + Guid.NewGuid();
        policy.Arm();

        var refused = await host.Submission.SubmitAsync(Request(key), CancellationToken.None);

        Assert.Equal(SubmissionErrorKind.StorageUnavailable, refused.Error?.Kind);
        Assert.Equal(1, policy.TransactionsApplied);
        policy.Disarm();
        var retried = await host.Submission.SubmitAsync(Request(key), CancellationToken.None);
        Assert.True(retried.IsAccepted, retried.Error?.Detail);
        Assert.True(retried.Receipt!.Replayed);
        Assert.Equal(MessageIds.ForIdempotencyKey(key), retried.Receipt.MessageId);
        Assert.Equal(2, await host.VisibleJobsAsync());
    }
}
