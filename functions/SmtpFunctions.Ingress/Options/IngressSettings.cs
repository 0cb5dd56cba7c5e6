using System.Net;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Ingress.Accounts;
using SmtpFunctions.Ingress.Network;

namespace SmtpFunctions.Ingress.Options;

/// <summary>
/// <see cref="IngressOptions"/> resolved once at start: parsed addresses and networks, and the limits that default to
/// Core's submission limits so that the SMTP door and the HTTP door refuse the same messages.
/// </summary>
public sealed class IngressSettings
{
    /// <summary>Resolves validated options.</summary>
    public IngressSettings(IOptions<IngressOptions> ingress, IOptions<SubmissionOptions> submission)
    {
        ArgumentNullException.ThrowIfNull(ingress);
        ArgumentNullException.ThrowIfNull(submission);
        var o = ingress.Value;
        Options = o;
        ServerName = string.IsNullOrWhiteSpace(o.ServerName) ? Environment.MachineName.ToLowerInvariant() : o.ServerName.Trim();
        BindAddress = IPAddress.Parse(o.BindAddress);
        TrustedNetworks = Network.TrustedNetworks.TryParse(o.TrustedNetworks, out var networks, out var problem)
            ? networks
            : throw new InvalidOperationException($"Ingress:TrustedNetworks: {problem}");
        TrustedSenderDomains = string.IsNullOrWhiteSpace(o.TrustedNetworkSenderDomains) ? null : SmtpAccount.ParseDomains(o.TrustedNetworkSenderDomains);
        MaxMessageBytes = o.MaxMessageBytes > 0 ? Math.Min(o.MaxMessageBytes, submission.Value.MaxMessageBytes) : submission.Value.MaxMessageBytes;
        MaxRecipients = o.MaxRecipients > 0 ? Math.Min(o.MaxRecipients, submission.Value.MaxRecipients) : submission.Value.MaxRecipients;
    }

    /// <summary>The options as configured.</summary>
    public IngressOptions Options { get; }

    /// <summary>Name in the greeting and EHLO.</summary>
    public string ServerName { get; }

    /// <summary>Address the listeners bind to.</summary>
    public IPAddress BindAddress { get; }

    /// <summary>Clients that may submit without AUTH.</summary>
    public TrustedNetworks TrustedNetworks { get; }

    /// <summary>Domains unauthenticated trusted clients may send as; null for any.</summary>
    public IReadOnlyCollection<string>? TrustedSenderDomains { get; }

    /// <summary>Largest message (never above Core's limit, which would refuse it after DATA anyway).</summary>
    public long MaxMessageBytes { get; }

    /// <summary>Most distinct recipients (never above Core's limit).</summary>
    public int MaxRecipients { get; }

    /// <summary>The wire limits for a client.</summary>
    public WireSettings WireFor(bool trusted, TimeProvider time) => new()
    {
        ServerName = ServerName,
        MaxCommandLineLength = Options.MaxCommandLineLength,
        MaxMessageBytes = MaxMessageBytes,
        CommandTimeout = Options.CommandTimeout,
        SessionTimeout = Options.SessionTimeout,
        GreetingDelay = trusted ? TimeSpan.Zero : Options.GreetingDelay,
        MaxProtocolErrors = Options.MaxProtocolErrors,
        Time = time,
    };
}
