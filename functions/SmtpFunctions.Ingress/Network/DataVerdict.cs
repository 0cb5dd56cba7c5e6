namespace SmtpFunctions.Ingress.Network;

/// <summary>What the wire saw of one DATA phase; the message store rejects the message when it is not clean.</summary>
/// <param name="Octets">Size of the message as sent (dot-stuffed), terminator excluded.</param>
/// <param name="BareLineEnding">A CR or LF outside a CRLF pair was seen.</param>
/// <param name="TooLarge">More octets than the size limit arrived (the rest was read and dropped).</param>
/// <param name="OutOfMemory">The memory budget (<c>MaxBytesInFlight</c>) could not hold the message (the rest was read and dropped).</param>
public sealed record DataVerdict(long Octets, bool BareLineEnding, bool TooLarge, bool OutOfMemory);
