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

/// <summary>Delivers one job's message: by MX (or the smart host), over cached or new sessions, within the attempt's limits.</summary>
/// <remarks>
/// RFC 5321 §5.1: exchangers and their addresses are tried in order. As Postfix does, a transient failure of the
/// session, the transaction or one recipient keeps that recipient for the next exchanger, a permanent answer settles it,
/// and the attempt ends when nothing is pending, after <see cref="DeliveryOptions.MaxMxSessions"/> sessions or
/// <see cref="DeliveryOptions.MaxMxAddresses"/> addresses, or when <see cref="DeliveryOptions.AttemptTimeout"/> runs out;
/// every network step has its own deadline (<see cref="SmtpDeadlineStream"/>). A 5xx greeting moves on (Postfix's
/// <c>smtp_skip_5xx_greeting</c>); what a recipient finally gets is the most hopeful reply of the exchangers tried. After
/// "452 too many recipients" (RFC 5321 §4.5.3.1.10; a 552 counts as one) the rest go in a new transaction on the same
/// session at once. STARTTLS whenever offered (RFC 3207), opportunistic (RFC 7435: certificate problems are recorded,
/// not fatal, and a failed handshake is retried in cleartext on the same exchanger), required where policy says so
/// (then a peer without it is skipped and the recipients deferred, like Postfix's <c>encrypt</c> level). Resolved
/// addresses pass the outbound address policy first (<see cref="OutboundAddressPolicy"/>); the smart host is exempt.
/// </remarks>
public sealed partial class SmtpRelay(
    IMxResolver resolver,
    OutboundAddressPolicy policy,
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
        var deadline = time.GetUtcNow() + _options.AttemptTimeout;
        var (destination, targets, routeFailure) = await RouteAsync(request.Domain, cancellationToken);
        if (routeFailure is not null)
        {
            return new RelayResult(All(request, routeFailure), null, null, null);
        }

        var attempt = new RelayAttempt(request.Recipients, AddressParser);
        MailboxAddress? sender = new("", "");
        if (request.Sender is not null && !MailboxAddress.TryParse(AddressParser, request.Sender, out sender))
        {
            attempt.SettleAll(FailureClassifier.Permanent("5.1.7", $"bad sender address syntax: {request.Sender}"));
        }

        if (attempt.Pending.Count == 0)
        {
            return attempt.ToResult(FailureClassifier.Transient("4.4.1", "nothing to send"));
        }

        var message = Load(request);
        var transaction = new Transaction(request, message, sender!);
        var requireTls = _options.SmartHost.Enabled ? _options.SmartHost.RequireTls : _options.RequiresTlsFor(request.Domain);

        if (await cache.TakeAsync(destination, deadline, cancellationToken) is { } cached)
        {
            if (requireTls && !cached.IsSecure)
            {
                await cached.DisposeAsync();
            }
            else
            {
                metrics.Sessions.Add(1, new KeyValuePair<string, object?>("reused", true));
                attempt.Sessions++;
                await UseSessionAsync(cached, attempt, transaction, cancellationToken);
            }
        }

        foreach (var target in targets)
        {
            if (attempt.Pending.Count == 0 || attempt.Sessions >= _options.MaxMxSessions || attempt.Addresses >= _options.MaxMxAddresses)
            {
                break;
            }

            if (time.GetUtcNow() >= deadline)
            {
                attempt.KeepWhereUnanswered(FailureClassifier.OutOfTime(request.Domain, _options.AttemptTimeout));
                break;
            }

            attempt.Addresses++;
            if (await OpenAsync(target, destination, requireTls, attempt, deadline, cancellationToken) is not { } session)
            {
                continue;
            }

            metrics.Sessions.Add(1, new KeyValuePair<string, object?>("reused", false));
            attempt.Sessions++;
            await UseSessionAsync(session, attempt, transaction, cancellationToken);
        }

        return attempt.ToResult(FailureClassifier.Transient("4.4.1", $"no mail exchanger of {request.Domain} could be reached"));
    }

    private async Task<(string Destination, IReadOnlyList<Target> Targets, DeliveryReply? Failure)> RouteAsync(string domain, CancellationToken cancellationToken)
    {
        var smartHost = _options.SmartHost;
        if (smartHost.Enabled)
        {
            // The operator configured it: not subject to the outbound address policy.
            var address = IPAddress.TryParse(smartHost.Host, out var literal) ? literal : null;
            var target = new Target(smartHost.Host, address, smartHost.Port);
            return (Destination.ForSmartHost(smartHost).Key, [target], null);
        }

        var route = await resolver.ResolveAsync(domain, cancellationToken);
        if (route.Failure is not null)
        {
            return ("", [], route.Failure);
        }

        var refused = new List<RefusedAddress>();
        var allowed = policy.Filter(route, refused);
        if (allowed.Hosts.Count == 0)
        {
            return ("", [], FailureClassifier.RefusedByPolicy(refused));
        }

        var targets = allowed.Hosts.SelectMany(h => h.Addresses.Select(a => new Target(h.Name, a, _options.Port))).ToList();
        // Keyed by the whole route, as pacing keys it: the policy leaves the destination what it is.
        return (Destination.ForRoute(route, _options.Port).Key, targets, null);
    }

    // Connects, greets and secures a session to one address (retrying in cleartext when opportunistic STARTTLS fails),
    // authenticates to the smart host; on failure records why for the pending recipients and returns null.
    private async Task<SmtpSession?> OpenAsync(
        Target target, string destination, bool requireTls, RelayAttempt attempt, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var smartHost = _options.SmartHost;
        var security = !smartHost.Enabled ? SecureSocketOptions.StartTlsWhenAvailable
            : smartHost.ImplicitTls ? SecureSocketOptions.SslOnConnect
            : smartHost.RequireTls ? SecureSocketOptions.StartTls
            : SecureSocketOptions.StartTlsWhenAvailable;
        attempt.Peer = target.Peer;
        var (session, failure, tlsFailed) = await ConnectAsync(target, destination, security, deadline, cancellationToken);
        if (session is null && tlsFailed && security == SecureSocketOptions.StartTlsWhenAvailable && !requireTls)
        {
            // RFC 7435 §6: opportunistic TLS must not make delivery worse than cleartext would be.
            LogTlsFallback(logger, target.Peer, failure!.ToString());
            (session, failure, _) = await ConnectAsync(target, destination, SecureSocketOptions.None, deadline, cancellationToken);
        }

        if (session is null)
        {
            LogPeerFailed(logger, target.Peer, failure!.ToString());
            attempt.KeepAll(failure);
            return null;
        }

        var client = session.Client;
        if (requireTls && !client.IsSecure)
        {
            await session.DisposeAsync();
            var notOffered = FailureClassifier.TlsNotOffered(target.Peer);
            LogPeerFailed(logger, target.Peer, notOffered.ToString());
            attempt.KeepAll(notOffered);
            return null;
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
                var refused = FailureClassifier.FromSession(ex, session.Deadlines.Trouble, target.Peer);
                await session.DisposeAsync();
                LogPeerFailed(logger, target.Peer, refused.ToString());
                attempt.KeepAll(refused);
                return null;
            }
        }

        return session;
    }

    // One TCP connection, greeting and EHLO/STARTTLS exchange. TlsFailed: the TLS handshake (or the STARTTLS command)
    // failed, which a cleartext session to the same address may get past.
    private async Task<(SmtpSession? Session, DeliveryReply? Failure, bool TlsFailed)> ConnectAsync(
        Target target, string destination, SecureSocketOptions security, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var remaining = deadline - time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return (null, FailureClassifier.OutOfTime(target.Peer, _options.AttemptTimeout), false);
        }

        Stream raw;
        using (var budget = new CancellationTokenSource(remaining, time))
        using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token))
        {
            try
            {
                raw = await connector.ConnectAsync(target.Host, target.Address, target.Port, connect.Token);
            }
            catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return (null, FailureClassifier.OutOfTime(target.Peer, _options.AttemptTimeout), false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return (null, FailureClassifier.FromException(ex), false);
            }
        }

        var stream = new SmtpDeadlineStream(raw, new SmtpReplyTracker(time), _options, time);
        stream.BeginAttempt(deadline, _options.AttemptTimeout);
        var smartHost = _options.SmartHost;
        var client = new DeliverySmtpClient(stream)
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

        try
        {
            await client.ConnectAsync(stream, target.Host, target.Port, security, cancellationToken);
        }
        catch (NotSupportedException)
        {
            await DiscardAsync(client, stream);
            return (null, FailureClassifier.TlsNotOffered(target.Peer), false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var trouble = stream.Trouble;
            // Nothing sent yet: MailKit's exception carries the greeting.
            var greeting = ex is SmtpCommandException && stream.Tracker.CommandsSent == 0;
            var failure = ex is SmtpCommandException command && greeting
                ? FailureClassifier.FromGreeting((int)command.StatusCode, command.Message)
                : FailureClassifier.FromSession(ex, trouble, target.Peer);
            var tlsFailed = !greeting && trouble?.Kind is not (SmtpTroubleKind.TimedOut or SmtpTroubleKind.AttemptBudget)
                && (ex is SslHandshakeException or System.Security.Authentication.AuthenticationException
                    || (ex is SmtpCommandException && client.Capabilities.HasFlag(SmtpCapabilities.StartTLS) && !client.IsSecure));
            await DiscardAsync(client, stream);
            return (null, failure, tlsFailed);
        }

        return (new SmtpSession(client, destination, target.Peer, time.GetUtcNow()), null, false);
    }

    // Sends the pending recipients over the session: a transaction, and more at once while the peer's recipient limit
    // (452) leaves some out. Returns the session to the cache, or closes it when it is lost or unusable.
    private async Task UseSessionAsync(SmtpSession session, RelayAttempt attempt, Transaction transaction, CancellationToken cancellationToken)
    {
        attempt.Peer = session.Peer;
        attempt.Tls = session.IsSecure;
        attempt.TlsDetails = session.TlsDetails;
        var client = session.Client;
        var request = transaction.Request;
        if (request.RequiresSmtpUtf8 && !client.Capabilities.HasFlag(SmtpCapabilities.UTF8))
        {
            attempt.SettleAll(FailureClassifier.SmtpUtf8NotOffered(session.Peer));
            await cache.ReturnAsync(session);
            return;
        }

        if (client.Capabilities.HasFlag(SmtpCapabilities.Size) && client.MaxSize > 0 && request.Size > client.MaxSize)
        {
            attempt.SettleAll(FailureClassifier.TooLarge(session.Peer, request.Size, client.MaxSize));
            await cache.ReturnAsync(session);
            return;
        }

        try
        {
            IReadOnlyList<PendingRecipient> batch = [.. attempt.Pending];
            while (batch.Count > 0)
            {
                var (usable, more) = await TransactAsync(session, attempt, transaction, batch, cancellationToken);
                if (!usable)
                {
                    await session.DisposeAsync();
                    return;
                }

                if (more.Count > 0)
                {
                    LogRecipientLimit(logger, session.Peer, more.Count);
                }

                batch = more;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await session.DisposeAsync();
            throw;
        }

        await cache.ReturnAsync(session);
    }

    // One transaction for the batch. Usable: the session can carry another one. More: recipients the peer refused for
    // its recipient limit while it accepted others, to send again at once in a new transaction.
    private async Task<(bool Usable, IReadOnlyList<PendingRecipient> More)> TransactAsync(
        SmtpSession session, RelayAttempt attempt, Transaction transaction, IReadOnlyList<PendingRecipient> batch, CancellationToken cancellationToken)
    {
        var client = session.Client;
        var request = transaction.Request;
        var downgrade = request.EightBit && !client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime);
        client.BeginTransaction(request.Size, downgrade);
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.International = request.RequiresSmtpUtf8;

        DeliveryReply? transactionReply = null;
        var senderRefused = false;
        var sent = false;
        var usable = true;
        try
        {
            var final = await client.SendAsync(format, transaction.Message, transaction.Sender, batch.Select(r => r.Mailbox), cancellationToken);
            transactionReply = FailureClassifier.FromReply(250, final);
            session.Messages++;
            sent = true;
        }
        catch (NoRecipientsAcceptedException)
        {
            usable = await TryResetAsync(client, cancellationToken);
        }
        catch (SmtpCommandException ex) when (ex.StatusCode != SmtpStatusCode.ServiceNotAvailable && client.IsConnected)
        {
            // MAIL FROM refused (every recipient) or DATA refused (every accepted recipient): an answer, not a lost session.
            transactionReply = FailureClassifier.FromException(ex);
            // With PIPELINING the RCPTs after a refused MAIL are refused too (503), but the MAIL reply is the reason.
            senderRefused = ex.ErrorCode == SmtpErrorCode.SenderNotAccepted;
            usable = await TryResetAsync(client, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var trouble = session.Deadlines.Trouble;
            var lost = FailureClassifier.FromSession(ex, trouble, session.Peer);
            LogPeerFailed(logger, session.Peer, lost.ToString());
            foreach (var recipient in batch)
            {
                if (client.Rejected.TryGetValue(recipient.Mailbox.Address, out var rejected))
                {
                    attempt.Record(recipient, rejected);
                    continue;
                }

                if (trouble?.AfterEndOfData == true)
                {
                    attempt.Unconfirmed(recipient);
                }

                attempt.Keep(recipient, lost);
            }

            return (false, []);
        }

        var more = new List<PendingRecipient>();
        foreach (var recipient in batch)
        {
            var reply = !senderRefused && client.Rejected.TryGetValue(recipient.Mailbox.Address, out var rejected) ? rejected : transactionReply!;
            if (sent && client.Accepted > 0 && FailureClassifier.IsRecipientLimit(reply))
            {
                attempt.Keep(recipient, reply);
                more.Add(recipient);
            }
            else
            {
                attempt.Record(recipient, reply);
            }
        }

        return (usable && client.IsConnected, usable && client.IsConnected ? more : []);
    }

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

    // Persistent: MimeKit parses the pooled buffer in place instead of copying each part.
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

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "STARTTLS with {Peer} failed ({Reply}); trying the same peer in cleartext (opportunistic TLS)")]
    private static partial void LogTlsFallback(ILogger logger, string peer, string reply);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Information, Message = "Peer {Peer} took no more recipients in one transaction; {Count} go in a new transaction on the same session")]
    private static partial void LogRecipientLimit(ILogger logger, string peer, int count);

    private sealed record Target(string Host, IPAddress? Address, int Port)
    {
        public string Peer => Address is null ? $"{Host}:{Port}" : $"{Host}[{Address}]:{Port}";
    }

    private sealed record Transaction(RelayRequest Request, MimeMessage Message, MailboxAddress Sender);
}
