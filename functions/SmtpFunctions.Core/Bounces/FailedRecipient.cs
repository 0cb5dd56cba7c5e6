using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Core.Bounces;

/// <summary>A recipient to report in a DSN.</summary>
/// <param name="Address">Envelope address (the Final-Recipient).</param>
/// <param name="Reply">The final outcome: its status and diagnostic go into the report.</param>
/// <param name="RemoteMta">Host name of the MX that answered, if one did.</param>
/// <param name="LastAttemptAt">When the last attempt was made.</param>
public sealed record FailedRecipient(string Address, DeliveryReply Reply, string? RemoteMta, DateTimeOffset LastAttemptAt);
