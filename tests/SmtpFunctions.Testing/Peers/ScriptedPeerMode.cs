namespace SmtpFunctions.Testing.Peers;

/// <summary>How a <see cref="ScriptedSmtpPeer"/> misbehaves.</summary>
public enum ScriptedPeerMode
{
    /// <summary>Accepts the TCP connection and never writes a byte (nor closes).</summary>
    Silent,

    /// <summary>Writes a greeting that never ends, one byte every <see cref="ScriptedSmtpPeer.DripInterval"/>.</summary>
    DripGreeting,

    /// <summary>
    /// A working SMTP server that offers STARTTLS but answers it with 220 and then bytes that are not TLS, and closes:
    /// a broken TLS stack. Sessions that never ask for STARTTLS deliver normally.
    /// </summary>
    BrokenStartTls,
}
