namespace SmtpFunctions.Core.Sweeping;

/// <summary>Why recipients were put on the queue again outside their job's own retry chain.</summary>
public enum RedriveReason
{
    /// <summary>The sweeper found their next step overdue: their job was lost, timed out, or never ran.</summary>
    Overdue,

    /// <summary>Their job landed in the poison queue.</summary>
    Poisoned,
}
