using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Core.Telemetry;

namespace SmtpFunctions.Core.Tests.Submission;

/// <summary>Issue 11, item 3: request octets in flight are bounded per process, and given back whatever happens.</summary>
public sealed class SubmissionAdmissionTests : IDisposable
{
    private const long Limit = 10 * 1024 * 1024;
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    [Fact]
    public void TryAdmit_WithinTheLimit_AdmitsAndCounts()
    {
        var admission = Create();
        using var first = admission.TryAdmit(6 * 1024 * 1024);
        using var second = admission.TryAdmit(4 * 1024 * 1024);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal(Limit, admission.InFlight);
    }

    [Fact]
    public void TryAdmit_BeyondTheLimit_Refuses_UntilAnotherIsDone()
    {
        var admission = Create();
        var first = admission.TryAdmit(8 * 1024 * 1024);

        Assert.Null(admission.TryAdmit(4 * 1024 * 1024));
        first!.Dispose();
        using var later = admission.TryAdmit(4 * 1024 * 1024);
        Assert.NotNull(later);
        Assert.Equal(4 * 1024 * 1024, admission.InFlight);
    }

    [Fact]
    public void TryAdmit_OneRequestLargerThanTheLimit_IsAdmittedWhenAlone()
    {
        var admission = Create();
        using var alone = admission.TryAdmit(Limit * 2);

        Assert.NotNull(alone);
        Assert.Null(admission.TryAdmit(1));
    }

    [Fact]
    public void TryGrow_BodyOfUnknownLength_GrowsAloneButNotPastOthers()
    {
        var admission = Create();
        using var chunked = admission.TryAdmit(0)!;
        Assert.True(chunked.TryGrow(Limit + 1)); // alone: it may reach its own body limit

        var other = Create();
        var a = other.TryAdmit(Limit - 10)!;
        using var b = other.TryAdmit(0)!;
        Assert.False(b.TryGrow(20));
        a.Dispose();
        Assert.True(b.TryGrow(20));
    }

    [Fact]
    public void Dispose_Twice_GivesBackOnce()
    {
        var admission = Create();
        var lease = admission.TryAdmit(1000)!;
        using var other = admission.TryAdmit(500)!;

        lease.Dispose();
        lease.Dispose();
        Assert.Equal(500, admission.InFlight);
    }

    public void Dispose() => _services.Dispose();

    private SubmissionAdmission Create() =>
        new(Microsoft.Extensions.Options.Options.Create(new SubmissionOptions { MaxBytesInFlight = Limit }), new MailMetrics(_services.GetRequiredService<IMeterFactory>()));
}
