namespace SmtpFunctions.Core.Events;

/// <summary>The kinds of recipient event, as subscriptions name them; the CloudEvents <c>type</c> is <see cref="Prefix"/> + name.</summary>
public static class EventTypes
{
    /// <summary>Prefix of the CloudEvents <c>type</c> attribute.</summary>
    public const string Prefix = "smtpfunctions.";

    /// <summary>The message was accepted for the recipient and a delivery job is queued.</summary>
    public const string Accepted = "accepted";

    /// <summary>The recipient's MX accepted the message.</summary>
    public const string Delivered = "delivered";

    /// <summary>A transient failure; another attempt is scheduled.</summary>
    public const string Deferred = "deferred";

    /// <summary>A permanent failure (a 5xx reply, NXDOMAIN, null MX, …).</summary>
    public const string Bounced = "bounced";

    /// <summary>The queue lifetime ran out before a delivery.</summary>
    public const string Expired = "expired";

    /// <summary>The recipient is on the suppression list: not sent to.</summary>
    public const string Suppressed = "suppressed";

    /// <summary>A delivery status notification reporting the recipient's failure went to the envelope sender.</summary>
    public const string DsnSent = "dsn.sent";

    /// <summary>Every type, in the order they can happen.</summary>
    public static IReadOnlyList<string> All { get; } = [Accepted, Deferred, Delivered, Bounced, Expired, Suppressed, DsnSent];

    /// <summary>Whether <paramref name="name"/> is one of <see cref="All"/>.</summary>
    public static bool IsKnown(string name) => All.Contains(name, StringComparer.Ordinal);
}
