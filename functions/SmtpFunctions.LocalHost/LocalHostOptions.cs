using System.ComponentModel.DataAnnotations;

namespace SmtpFunctions.LocalHost;

/// <summary>Settings of the local host only (in Azure the Functions host does these jobs).</summary>
public sealed class LocalHostOptions
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "LocalHost";

    /// <summary>
    /// The key callers must send as <c>x-functions-key</c> (or <c>?code=</c>), standing in for the Azure function key.
    /// The run script generates one and prints it.
    /// </summary>
    [Required]
    [MinLength(16)]
    public string FunctionKey { get; set; } = "";

    /// <summary>Path of the host.json whose queue settings the listener follows. Default: the copy next to the binary.</summary>
    public string HostJsonPath { get; set; } = Path.Combine(AppContext.BaseDirectory, "host.json");

    /// <summary>Create the containers, tables and queues at start (Azurite starts empty). Default true.</summary>
    public bool CreateStorage { get; set; } = true;

    /// <summary>Run the queue listener (the DeliverMessage trigger). Default true; off for API-only runs.</summary>
    public bool RunQueueListener { get; set; } = true;

    /// <summary>
    /// How long a received queue message stays invisible (the listener's lease on it), renewed every sixth of it while
    /// the job runs. Default 30 s: after a crash of the local host its leased messages come back within this time. The
    /// Functions host uses a fixed 10 minutes; host.json's <c>visibilityTimeout</c> is the wait after a failure, not this.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:03", "7.00:00:00")]
    public TimeSpan QueueLease { get; set; } = TimeSpan.FromSeconds(30);
}
