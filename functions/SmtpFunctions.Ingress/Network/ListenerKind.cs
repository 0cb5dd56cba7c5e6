namespace SmtpFunctions.Ingress.Network;

/// <summary>The two submission listeners.</summary>
public enum ListenerKind
{
    /// <summary>Plain connect, then STARTTLS (port 587).</summary>
    StartTls,

    /// <summary>TLS from the first octet (port 465, RFC 8314).</summary>
    ImplicitTls,
}
