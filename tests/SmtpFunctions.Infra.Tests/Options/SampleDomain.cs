namespace SmtpFunctions.Infra.Tests.Options;

/// <summary>Dictionary item of <see cref="SampleOptions"/>.</summary>
public sealed class SampleDomain
{
    /// <summary>A per-domain flag.</summary>
    public bool RequireTls { get; set; }
}
