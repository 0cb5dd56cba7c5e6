using System.Net;
using SmtpFunctions.Ingress.Accounts;
using SmtpFunctions.Ingress.Network;
using SmtpServer;

namespace SmtpFunctions.Ingress.Protocol;

/// <summary>What one connection knows about its client, kept in SmtpServer's session properties for every hook to read.</summary>
public sealed class SessionState
{
    /// <summary>Key in <see cref="ISessionContext.Properties"/>.</summary>
    public const string PropertyKey = "SmtpFunctions.Ingress.Session";

    private readonly IReadOnlyCollection<string>? _trustedSenderDomains;

    /// <summary>State for a new connection.</summary>
    public SessionState(IPAddress client, bool trusted, IReadOnlyCollection<string>? trustedSenderDomains, SmtpWireStream wire, ConnectionSlot slot)
    {
        Client = ClientAddress.Normalize(client);
        Trusted = trusted;
        _trustedSenderDomains = trustedSenderDomains;
        Wire = wire;
        Slot = slot;
    }

    /// <summary>The client's address.</summary>
    public IPAddress Client { get; }

    /// <summary>True when the client is in <c>TrustedNetworks</c>.</summary>
    public bool Trusted { get; }

    /// <summary>The connection's wire (DATA verdicts, close reason).</summary>
    public SmtpWireStream Wire { get; }

    /// <summary>The connection's place among the connection caps (promoted once AUTH succeeds).</summary>
    public ConnectionSlot Slot { get; }

    /// <summary>The authenticated account, once AUTH succeeded.</summary>
    public SmtpAccount? Account { get; set; }

    /// <summary>Distinct recipients of the current transaction (reset by MAIL).</summary>
    public HashSet<string> Recipients { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>AUTH failures in this session.</summary>
    public int AuthFailures { get; set; }

    /// <summary>True once the client was cut off for too many AUTH failures.</summary>
    public bool AuthLimitReached { get; set; }

    /// <summary>True when SmtpServer reported the session faulted (an exception it did not handle).</summary>
    public bool Faulted { get; set; }

    /// <summary>True when the session was cancelled (shutdown, or SmtpServer's own session timeout).</summary>
    public bool Cancelled { get; set; }

    /// <summary>Messages accepted in this session.</summary>
    public int MessagesAccepted { get; set; }

    /// <summary>
    /// Domains this session may send as: the account's; for an unauthenticated trusted client
    /// <c>TrustedNetworkSenderDomains</c> (null = any); otherwise none.
    /// </summary>
    public IReadOnlyCollection<string>? AllowedSenderDomains =>
        Account is not null ? Account.SenderDomains : Trusted ? _trustedSenderDomains : [];

    /// <summary>The tenant the session sends as: the account's; the default tenant for a trusted unauthenticated client.</summary>
    public string TenantId => Account?.TenantId ?? Core.Tenants.TenantIds.Default;

    /// <summary>How the session ended, as the <c>result</c> dimension of the ingress sessions metric.</summary>
    public string Result(IngressPipe pipe)
    {
        ArgumentNullException.ThrowIfNull(pipe);
        return Wire.CloseReason switch
        {
            WireClose.EarlyTalker => "early_talker",
            WireClose.IdleTimeout => "timeout",
            WireClose.PreAuthTimeout => "preauth_timeout",
            WireClose.Evicted => "evicted",
            WireClose.SessionTimeLimit => "session_limit",
            WireClose.TooManyErrors => "too_many_errors",
            WireClose.ShuttingDown => "shutting_down",
            _ when AuthLimitReached => "auth_limit",
            _ when pipe.HandshakeFailed => "tls_failed",
            _ when Faulted => "faulted",
            _ when Cancelled => "cancelled",
            _ => "completed",
        };
    }

    /// <summary>The state of a session.</summary>
    public static SessionState Of(ISessionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return (SessionState)context.Properties[PropertyKey];
    }
}
