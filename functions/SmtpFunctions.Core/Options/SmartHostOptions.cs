using System.ComponentModel.DataAnnotations;

namespace SmtpFunctions.Core.Options;

/// <summary>
/// Relay through one host (section <c>Delivery:SmartHost</c>): Azure blocks outbound port 25 for most subscriptions, so
/// many deployments hand every message to a provider's submission port instead of recipients' MX.
/// </summary>
public sealed class SmartHostOptions
{
    /// <summary>Host name or address. Empty: no smart host, deliver by MX.</summary>
    public string Host { get; set; } = "";

    /// <summary>Port. Default 587 (submission, RFC 6409).</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>Use implicit TLS on connect (port 465) rather than STARTTLS. Default false.</summary>
    public bool ImplicitTls { get; set; }

    /// <summary>Refuse to send without TLS. Default true: credentials and mail must not cross the Internet in clear.</summary>
    public bool RequireTls { get; set; } = true;

    /// <summary>Accept a certificate that does not validate (a lab relay with a self-signed certificate). Default false.</summary>
    public bool AcceptInvalidCertificate { get; set; }

    /// <summary>User for AUTH. Empty: no authentication.</summary>
    public string UserName { get; set; } = "";

    /// <summary>Password for AUTH: a secret, set in Azure through <c>keyVaultReferences</c>, never as a plain setting.</summary>
    [DataType(DataType.Password)]
    public string Password { get; set; } = "";

    /// <summary>True when a smart host is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Host);
}
