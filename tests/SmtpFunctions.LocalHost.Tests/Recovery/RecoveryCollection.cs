namespace SmtpFunctions.LocalHost.Tests.Recovery;

/// <summary>
/// The fault-injection scenarios run one at a time and after the project's other tests: each runs hundreds of messages
/// through real processes and measures times, which other load on two cores would only blur.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RecoveryCollection
{
    public const string Name = "recovery";
}
