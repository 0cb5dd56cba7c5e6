namespace SmtpFunctions.Infra.Tests.Options;

/// <summary>Nested part of <see cref="SampleOptions"/>.</summary>
public sealed class SampleRelay
{
    /// <summary>Host.</summary>
    public string Host { get; set; } = "";

    /// <summary>Port.</summary>
    public int Port { get; set; } = 587;
}
