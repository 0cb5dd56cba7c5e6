using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Pacing;
using SmtpFunctions.Core.Routing;
using SmtpFunctions.Core.Telemetry;

namespace SmtpFunctions.Core.Delivery;

/// <summary>Delivers one job's message in one SMTP transaction: by MX (or the smart host), over a cached or new session.</summary>
/// <remarks>
/// RFC 5321 §5.1: exchangers and their addresses are tried in order until one takes the transaction; a connection that
/// fails, a greeting that is not 220, a 421, or a dropped connection moves on to the next address. STARTTLS whenever
/// offered (RFC 3207, opportunistic per RFC 7435: certificate problems are recorded, not fatal), required where policy
/// says so (then a peer without it is skipped and the job deferred, like Postfix's <c>encrypt</c> level).
/// </remarks>
public sealed partial class SmtpRelay(
    IMxResolver resolver,
    ISmtpPeerConnector connector,
    SmtpConnectionCache cache,
    MailMetrics metrics,
    TimeProvider time,
    IOptions<DeliveryOptions> options,
    ILogger<SmtpRelay> logger) : IMessageRelay
{
    private static readonly ParserOptions AddressParser = CreateParser();
    private readonly DeliveryOptions _options = options.Value;

    /// <inheritdoc />
    public async Task<RelayResult> RelayAsync(RelayRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (destination, targets, routeFailure) = await RouteAsync(request.Domain, cancellationToken);
        if (routeFailure is not null)
        {
            return new RelayResult(All(request, routeFailure), null, null, null);
        }

        var message = Load(request);
        var requireTls = _options.SmartHost.Enabled ? _options.SmartHost.RequireTls : _options.RequiresTlsFor(request.Domain);
        DeliveryReply? lastFailure = null;
        string? lastPeer = null;

        if (await cache.TakeAsync(destination, cancellationToken) is { } cached)
        {
            if (requireTls && !cached.IsSecure)
            {
                await cached.DisposeAsync();
            }
            else
            {
                metrics.Sessions.Add(1, new KeyValuePair<string, object?>("reused", true));
                var (result, lost) = await TransactAsync(cached, request, message, cancellationToken);
                if (result is not null)
                {
                    return result;
                }

                (lastFailure, lastPeer) = (lost, cached.Peer);
            }
        }

        foreach (var target in targets.Take(_options.MaxMxAddresses))
        {
            var (session, failure) = await OpenAsync(target, destination, requireTls, cancellationToken);
            if (session is null)
            {
                LogPeerFailed(logger, target.Peer, failure!.ToString());
                (lastFailure, lastPeer) = (failure, target.Peer);
                continue;
            }

            metrics.Sessions.Add(1, new KeyValuePair<string, object?>("reused", false));
            var (result, lost) = await TransactAsync(session, request, message, cancellationToken);
            if (result is not null)
            {
                return result;
            }

            LogPeerFailed(logger, session.Peer, lost!.ToString());
            (lastFailure, lastPeer) = (lost, session.Peer);
        }

        lastFailure ??= FailureClassifier.Transient("4.4.1", $"no mail exchanger of {request.Domain} could be reached");
        return new RelayResult(All(request, lastFailure), lastPeer, null, null);
    }

    private async Task<(string Destination, IReadOnlyList<Target> Targets, DeliveryReply? Failure)> RouteAsync(string domain, CancellationToken cancellationToken)
    {
        var smartHost = _options.SmartHost;
        if (smartHost.Enabled)
        {
            var address = IPAddress.TryParse(smartHost.Host, out var literal) ? literal : null;
            var target = new Target(smartHost.Host, address, smartHost.Port);
            return (Destination.ForSmartHost(smartHost).Key, [target], null);
        }

        var route = await resolver.ResolveAsync(domain, cancellationToken);
        if (route.Failure is not null)
        {
            return ("", [], route.Failure);
        }

        var targets = route.Hosts.SelectMany(h => h.Addresses.Select(a => new Target(h.Name, a, _options.Port))).ToList();
        return (Destination.ForRoute(route, _options.Port).Key, targets, null);
    }

    private async Task<(SmtpSession? Session, DeliveryReply? Failure)> OpenAsync(Target target, string destination, bool requireTls, CancellationToken cancellationToken)
    {
        var smartHost = _options.SmartHost;
        var client = new DeliverySmtpClient
        {
            LocalDomain = _options.EffectiveLocalDomain,
            Timeout = Milliseconds(_options.GreetingTimeout),
            // Opportunistic TLS accepts any certificate, so a revocation check (network calls) would only cost time.
            CheckCertificateRevocation = false,
        };
        client.ServerCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            client.CertificateErrors = errors;
            client.CertificateProblem = errors == SslPolicyErrors.None ? null : DescribeCertificateProblem(errors, chain);
            return !smartHost.Enabled || errors == SslPolicyErrors.None || smartHost.AcceptInvalidCertificate;
        };

        Stream? stream = null;
        try
        {
            stream = await connector.ConnectAsync(target.Host, target.Address, target.Port, cancellationToken);
            var security = !smartHost.Enabled ? SecureSocketOptions.StartTlsWhenAvailable
                : smartHost.ImplicitTls ? SecureSocketOptions.SslOnConnect
                : smartHost.RequireTls ? SecureSocketOptions.StartTls
                : SecureSocketOptions.StartTlsWhenAvailable;
            await client.ConnectAsync(stream, target.Host, target.Port, security, cancellationToken);
        }
        catch (NotSupportedException)
        {
            await DiscardAsync(client, stream);
            return (null, FailureClassifier.TlsNotOffered(target.Peer));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await DiscardAsync(client, stream);
            return (null, FailureClassifier.FromException(ex));
        }

        var session = new SmtpSession(client, destination, target.Peer, time.GetUtcNow());
        if (requireTls && !client.IsSecure)
        {
            await session.DisposeAsync();
            return (null, FailureClassifier.TlsNotOffered(target.Peer));
        }

        if (client.IsSecure)
        {
            session.TlsDetails = $"{client.SslProtocol} {client.SslCipherSuite}" +
                (client.CertificateProblem is { } problem ? $"; certificate not verified: {problem}" : "; certificate verified");
            if (client.CertificateProblem is not null)
            {
                LogUnverifiedTls(logger, target.Peer, client.CertificateProblem);
            }
        }

        if (smartHost.Enabled && smartHost.UserName.Length > 0)
        {
            try
            {
                await client.AuthenticateAsync(smartHost.UserName, smartHost.Password, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                await session.DisposeAsync();
                return (null, FailureClassifier.FromException(ex));
            }
        }

        return (session, null);
    }

    // Returns the result, or (null, failure) when the session was lost and the next address should be tried.
    private async Task<(RelayResult? Result, DeliveryReply? Lost)> TransactAsync(
        SmtpSession session, RelayRequest request, MimeMessage message, CancellationToken cancellationToken)
    {
        var client = session.Client;
        if (request.RequiresSmtpUtf8 && !client.Capabilities.HasFlag(SmtpCapabilities.UTF8))
        {
            await cache.ReturnAsync(session);
            return (Finish(session, All(request, FailureClassifier.SmtpUtf8NotOffered(session.Peer))), null);
        }

        if (client.Capabilities.HasFlag(SmtpCapabilities.Size) && client.MaxSize > 0 && request.Size > client.MaxSize)
        {
            await cache.ReturnAsync(session);
            return (Finish(session, All(request, FailureClassifier.TooLarge(session.Peer, request.Size, client.MaxSize))), null);
        }

        var replies = new Dictionary<string, DeliveryReply>(StringComparer.OrdinalIgnoreCase);
        var mailboxes = new List<(string Address, MailboxAddress Mailbox)>();
        foreach (var address in request.Recipients)
        {
            if (MailboxAddress.TryParse(AddressParser, address, out var mailbox))
            {
                mailboxes.Add((address, mailbox));
            }
            else
            {
                replies[address] = FailureClassifier.Permanent("5.1.3", $"bad recipient address syntax: {address}");
            }
        }

        if (mailboxes.Count == 0)
        {
            await cache.ReturnAsync(session);
            return (Finish(session, replies), null);
        }

        MailboxAddress? sender = new("", "");
        if (request.Sender is not null && !MailboxAddress.TryParse(AddressParser, request.Sender, out sender))
        {
            await cache.ReturnAsync(session);
            return (Finish(session, All(request, FailureClassifier.Permanent("5.1.7", $"bad sender address syntax: {request.Sender}"))), null);
        }

        var downgrade = request.EightBit && !client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime);
        client.BeginTransaction(request.Size, downgrade);
        // MailKit has one read/write timeout per session; the transaction's longest legitimate wait is after the dot.
        client.Timeout = Milliseconds(_options.DataTerminationTimeout);
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.International = request.RequiresSmtpUtf8;

        DeliveryReply? transactionReply = null;
        var senderRefused = false;
        var reusable = true;
        try
        {
            var final = await client.SendAsync(format, message, sender, mailboxes.Select(m => m.Mailbox), cancellationToken);
            transactionReply = FailureClassifier.FromReply(250, final);
            session.Messages++;
        }
        catch (NoRecipientsAcceptedException)
        {
            reusable = await TryResetAsync(client, cancellationToken);
        }
        catch (SmtpCommandException ex) when (ex.StatusCode != SmtpStatusCode.ServiceNotAvailable && client.IsConnected)
        {
            // MAIL FROM refused (every recipient) or DATA refused (every accepted recipient): an answer, not a lost session.
            transactionReply = FailureClassifier.FromException(ex);
            // With PIPELINING the RCPTs after a refused MAIL are refused too (503), but the MAIL reply is the reason.
            senderRefused = ex.ErrorCode == SmtpErrorCode.SenderNotAccepted;
            reusable = await TryResetAsync(client, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await session.DisposeAsync();
            return (null, FailureClassifier.FromException(ex));
        }

        foreach (var (address, mailbox) in mailboxes)
        {
            replies[address] = !senderRefused && client.Rejected.TryGetValue(mailbox.Address, out var rejected) ? rejected : transactionReply!;
        }

        var result = Finish(session, replies);
        if (reusable)
        {
            await cache.ReturnAsync(session);
        }
        else
        {
            await session.DisposeAsync();
        }

        return (result, null);
    }

    private static RelayResult Finish(SmtpSession session, IReadOnlyDictionary<string, DeliveryReply> replies) =>
        new(replies, session.Peer, session.IsSecure, session.TlsDetails);

    private static async Task<bool> TryResetAsync(DeliverySmtpClient client, CancellationToken cancellationToken)
    {
        try
        {
            await client.ResetTransactionAsync(cancellationToken);
            return client.IsConnected;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static async Task DiscardAsync(DeliverySmtpClient client, Stream? stream)
    {
        client.Dispose();
        if (stream is not null)
        {
            await stream.DisposeAsync();
        }
    }

    private static Dictionary<string, DeliveryReply> All(RelayRequest request, DeliveryReply reply) =>
        request.Recipients.Distinct(StringComparer.OrdinalIgnoreCase).ToDictionary(r => r, _ => reply, StringComparer.OrdinalIgnoreCase);

    // Parsed in place (MimeKit's persistent mode): the parts stay offsets into the stored octets instead of copies.
    private static MimeMessage Load(RelayRequest request) => MimeMessage.Load(request.OpenContent(), persistent: true);

    private static string DescribeCertificateProblem(SslPolicyErrors errors, X509Chain? chain)
    {
        var parts = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            parts.Add("no certificate");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            parts.Add("name mismatch");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var statuses = chain?.ChainStatus.Select(s => s.Status.ToString()).Distinct().ToList() ?? [];
            parts.Add(statuses.Count > 0 ? "untrusted chain (" + string.Join(", ", statuses) + ")" : "untrusted chain");
        }

        return string.Join("; ", parts);
    }

    private static int Milliseconds(TimeSpan value) => (int)Math.Min(int.MaxValue, value.TotalMilliseconds);

    private static ParserOptions CreateParser()
    {
        var parser = ParserOptions.Default.Clone();
        parser.AllowAddressesWithoutDomain = false;
        return parser;
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Peer {Peer} not usable: {Reply}")]
    private static partial void LogPeerFailed(ILogger logger, string peer, string reply);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "TLS to {Peer} with an unverified certificate (accepted, opportunistic): {Problem}")]
    private static partial void LogUnverifiedTls(ILogger logger, string peer, string problem);

    private sealed record Target(string Host, IPAddress? Address, int Port)
    {
        public string Peer => Address is null ? $"{Host}:{Port}" : $"{Host}[{Address}]:{Port}";
    }
}
