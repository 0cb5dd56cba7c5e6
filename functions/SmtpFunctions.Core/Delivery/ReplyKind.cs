namespace SmtpFunctions.Core.Delivery;

/// <summary>What an outcome means for a recipient: done, try again later, or give up.</summary>
public enum ReplyKind
{
    /// <summary>Accepted by the peer (2xx).</summary>
    Success,

    /// <summary>Try again later (4xx, network and DNS trouble).</summary>
    Transient,

    /// <summary>Will not succeed by retrying (5xx, NXDOMAIN, null MX).</summary>
    Permanent,
}
