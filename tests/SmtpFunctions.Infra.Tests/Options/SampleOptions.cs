using Microsoft.Extensions.Configuration;

namespace SmtpFunctions.Infra.Tests.Options;

/// <summary>A stand-in options class with each kind of member (lives in a test assembly, so discovery ignores it).</summary>
public sealed class SampleOptions
{
    /// <summary>Section name, like the real options classes.</summary>
    public const string SectionName = "Sample";

    /// <summary>A string.</summary>
    public string Name { get; set; } = "";

    /// <summary>A TimeSpan.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>An enum.</summary>
    public DayOfWeek Mode { get; set; }

    /// <summary>A nullable number, init-only.</summary>
    public int? Limit { get; init; }

    /// <summary>Bound under another key.</summary>
    [ConfigurationKeyName("renamed")]
    public bool Flag { get; set; }

    /// <summary>Read-only: not bound.</summary>
    public int Computed => Name.Length;

    /// <summary>A nested object.</summary>
    public SampleRelay Relay { get; set; } = new();

    /// <summary>A dictionary of objects.</summary>
    public Dictionary<string, SampleDomain> Domains { get; } = [];

    /// <summary>A list of objects.</summary>
    public IList<SampleKey> Keys { get; } = [];
}
