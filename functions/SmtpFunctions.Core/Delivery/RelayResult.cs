namespace SmtpFunctions.Core.Delivery;

/// <summary>What one transaction did for each recipient, and over which session.</summary>
/// <param name="Replies">Each requested recipient's outcome (keyed as requested, case-insensitive).</param>
/// <param name="Peer">The peer that answered last (<c>host[address]:port</c>), or null when none was reached.</param>
/// <param name="Tls">Whether that session used TLS; null when none was reached.</param>
/// <param name="TlsDetails">Protocol, cipher, and any certificate problem accepted under opportunistic TLS.</param>
public sealed record RelayResult(IReadOnlyDictionary<string, DeliveryReply> Replies, string? Peer, bool? Tls, string? TlsDetails)
{
    /// <summary>
    /// Recipients whose message went out in full, final dot included, without the peer's reply to it (the connection
    /// dropped or the wait timed out): the peer may have accepted it, so the retry that follows may deliver it twice —
    /// the one duplicate window SMTP leaves open (RFC 1047). Their reply is transient; empty when there was none.
    /// </summary>
    public IReadOnlyList<string> UnconfirmedRecipients { get; init; } = [];
}
