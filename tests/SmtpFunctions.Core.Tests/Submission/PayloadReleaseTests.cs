using System.Text;
using SmtpFunctions.Core.Submission;
using static SmtpFunctions.Core.Tests.Submission.PreparerFixture;

namespace SmtpFunctions.Core.Tests.Submission;

/// <summary>
/// Issue 11, item 3: the submitted octets are released as soon as preparation no longer needs them, accepted or refused,
/// so the door's copy does not sit beside the stored one.
/// </summary>
public class PayloadReleaseTests
{
    [Theory]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"t\"}", true)]
    [InlineData("{\"from\":\"a@example.com\",\"to\":\"nope\",\"text\":\"t\"}", false)]
    [InlineData("{not json", false)]
    public void Prepare_Json_ReleasesTheBodyOnce(string json, bool accepted)
    {
        var owner = new CountingOwner();
        var request = new SubmissionRequest { Source = SubmissionSource.HttpJson, Payload = new JsonPayload(Encoding.UTF8.GetBytes(json)) { Owner = owner } };

        Assert.Equal(accepted, Create().TryPrepare(request, Id, Now, out var prepared, out _));
        Assert.True(owner.Disposals >= 1);
        prepared?.Dispose();
    }

    [Theory]
    [InlineData("From: a@example.com\r\nTo: b@example.net\r\n\r\nbody\r\n", true)]
    [InlineData("From: a@example.com\r\n\r\nno recipients\r\n", false)]
    public void Prepare_RawMime_ReleasesTheOctets_AfterTheStoredCopyIsWritten(string mime, bool accepted)
    {
        var owner = new CountingOwner();
        var request = new SubmissionRequest { Source = SubmissionSource.HttpMime, Payload = new MimePayload(Encoding.ASCII.GetBytes(mime)) { Owner = owner } };

        Assert.Equal(accepted, Create().TryPrepare(request, Id, Now, out var prepared, out _));
        Assert.Equal(1, owner.Disposals);
        if (accepted)
        {
            // The stored copy is complete without the submitted octets.
            Assert.EndsWith("\r\n\r\nbody\r\n", Text(prepared!), StringComparison.Ordinal);
        }

        prepared?.Dispose();
    }

    private sealed class CountingOwner : IDisposable
    {
        public int Disposals { get; private set; }

        public void Dispose() => Disposals++;
    }
}
