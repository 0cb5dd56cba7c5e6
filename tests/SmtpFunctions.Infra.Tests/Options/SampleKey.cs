namespace SmtpFunctions.Infra.Tests.Options;

/// <summary>List item of <see cref="SampleOptions"/>.</summary>
public sealed class SampleKey
{
    /// <summary>A selector.</summary>
    public string Selector { get; set; } = "";
}
