namespace SmtpFunctions.Core.Delivery;

/// <summary>What one transaction did for each recipient, and over which session.</summary>
/// <param name="Replies">Each requested recipient's outcome (keyed as requested, case-insensitive).</param>
/// <param name="Peer">The peer that answered last (<c>host[address]:port</c>), or null when none was reached.</param>
/// <param name="Tls">Whether that session used TLS; null when none was reached.</param>
/// <param name="TlsDetails">Protocol, cipher, and any certificate problem accepted under opportunistic TLS.</param>
public sealed record RelayResult(IReadOnlyDictionary<string, DeliveryReply> Replies, string? Peer, bool? Tls, string? TlsDetails);
