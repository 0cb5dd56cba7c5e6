namespace SmtpFunctions.Core.Status;

/// <summary>The states a recipient can be in, as the status API spells them.</summary>
public static class RecipientStatus
{
    /// <summary>Accepted, waiting for its first delivery attempt.</summary>
    public const string Queued = "queued";

    /// <summary>A delivery attempt is under way.</summary>
    public const string Delivering = "delivering";

    /// <summary>The recipient's MX accepted it (250 after DATA).</summary>
    public const string Delivered = "delivered";

    /// <summary>A transient failure; another attempt is scheduled.</summary>
    public const string Deferred = "deferred";

    /// <summary>Permanently failed or expired; a DSN went to the sender.</summary>
    public const string Failed = "failed";

    /// <summary>Not sent because the address is on the suppression list.</summary>
    public const string Suppressed = "suppressed";

    /// <summary>All values, for documentation and tests.</summary>
    public static IReadOnlyList<string> All { get; } = [Queued, Delivering, Delivered, Deferred, Failed, Suppressed];

    /// <summary>True when nothing more will happen to the recipient.</summary>
    public static bool IsFinal(string status) => status is Delivered or Failed or Suppressed;
}
