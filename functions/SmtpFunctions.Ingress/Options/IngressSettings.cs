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
    // Shares of the memory the GC may use that MaxBytesInFlight and MaxBytesSubmitting default to (documented there).
    private const int DefaultInFlightPercent = 40;
    private const int DefaultSubmittingPercent = 20;

    /// <summary>Resolves validated options.</summary>
    public IngressSettings(IOptions<IngressOptions> ingress, IOptions<SubmissionOptions> submission, HostingPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(ingress);
        ArgumentNullException.ThrowIfNull(submission);
        ArgumentNullException.ThrowIfNull(platform);
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
        AddressesAreProxied = platform.AddressesAreProxied(o.ClientAddresses);
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        MaxBytesInFlight = Math.Max(o.MaxBytesInFlight > 0 ? o.MaxBytesInFlight : available / 100 * DefaultInFlightPercent, MaxMessageBytes);
        MaxBytesSubmitting = Math.Max(o.MaxBytesSubmitting > 0 ? o.MaxBytesSubmitting : available / 100 * DefaultSubmittingPercent, MaxMessageBytes);
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

    /// <summary>True when connection addresses are a proxy's, not the clients' (Container Apps): no per-address limits then.</summary>
    public bool AddressesAreProxied { get; }

    /// <summary>Octets of message data the process may hold at once.</summary>
    public long MaxBytesInFlight { get; }

    /// <summary>Octets of messages that may be inside Core's submission path at once.</summary>
    public long MaxBytesSubmitting { get; }

    /// <summary>The wire limits for a client.</summary>
    public WireSettings WireFor(bool trusted, TimeProvider time) => new()
    {
        ServerName = ServerName,
        MaxCommandLineLength = Options.MaxCommandLineLength,
        MaxMessageBytes = MaxMessageBytes,
        CommandTimeout = Options.CommandTimeout,
        // The stress values only ever shorten: a CommandTimeout below 10 s stays what it is under pressure.
        StressCommandTimeout = TimeSpan.FromTicks(Math.Min(Options.StressCommandTimeout.Ticks, Options.CommandTimeout.Ticks)),
        PreAuthTimeout = trusted ? null : Options.PreAuthTimeout,
        StressPreAuthTimeout = TimeSpan.FromTicks(Math.Min(Options.StressPreAuthTimeout.Ticks, Options.PreAuthTimeout.Ticks)),
        MinDataRate = Options.MinDataRate,
        SessionTimeout = Options.SessionTimeout,
        GreetingDelay = trusted ? TimeSpan.Zero : Options.GreetingDelay,
        MaxProtocolErrors = Options.MaxProtocolErrors,
        Time = time,
    };
}
