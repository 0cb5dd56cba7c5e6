namespace SmtpFunctions.Core.Events;

/// <summary>
/// What one event says about one recipient, captured from its status row in the write that recorded the change (so a
/// later change cannot alter it). The message's tenant and metadata are added when it is dispatched.
/// </summary>
public sealed record RecipientEvent
{
    /// <summary>One of <see cref="EventTypes"/>.</summary>
    public required string Type { get; init; }

    /// <summary>The recipient's event number, 1 for its first: with the address, what orders and de-duplicates events.</summary>
    public required int Sequence { get; init; }

    /// <summary>The recipient address.</summary>
    public required string Recipient { get; init; }

    /// <summary>When the change was recorded.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>Delivery attempts made so far.</summary>
    public int Attempts { get; init; }

    /// <summary>When the next attempt is due (deferred).</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>The last SMTP reply code, if a peer answered.</summary>
    public int? ReplyCode { get; init; }

    /// <summary>The last enhanced status code (RFC 3463).</summary>
    public string? EnhancedCode { get; init; }

    /// <summary>The last reply or condition, as text.</summary>
    public string? Response { get; init; }

    /// <summary>The MX host (and address) of the last attempt.</summary>
    public string? MxHost { get; init; }

    /// <summary>Whether the last session used TLS.</summary>
    public bool? Tls { get; init; }

    /// <summary>TLS protocol and cipher of the last session.</summary>
    public string? TlsDetails { get; init; }
}
