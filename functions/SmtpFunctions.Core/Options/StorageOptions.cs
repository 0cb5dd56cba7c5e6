using System.ComponentModel.DataAnnotations;

namespace SmtpFunctions.Core.Options;

/// <summary>How the storage clients retry before a submission is answered with 503 (or 451 over SMTP).</summary>
/// <remarks>
/// The account itself is named by the Functions-style connection <c>AzureWebJobsStorage</c> (a connection string locally,
/// <c>AzureWebJobsStorage__blobServiceUri</c>/<c>__queueServiceUri</c>/<c>__tableServiceUri</c> with a managed identity in
/// Azure), so that the queue trigger and our own clients always talk to the same account.
/// </remarks>
public sealed class StorageOptions
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Storage";

    /// <summary>Retries of one storage call before it counts as unavailable. Default 2: a client waiting on us is better answered quickly.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>First retry delay; later ones back off exponentially. Default 200 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Time allowed for one storage request on the wire. Default 30 s (a 25 MB blob on a slow link).</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
