namespace SmtpFunctions.Core.Events;

/// <summary>How one webhook request went.</summary>
/// <param name="Delivered">The receiver answered 2xx.</param>
/// <param name="Error">Otherwise: the status or the connection error.</param>
/// <param name="Refused">The URL's addresses are refused by the outbound address policy (no request was made).</param>
public sealed record WebhookResult(bool Delivered, string? Error, bool Refused);
