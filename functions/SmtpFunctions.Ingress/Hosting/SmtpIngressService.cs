using System.Net;
using System.Security.Authentication;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Ingress.Accounts;
using SmtpFunctions.Ingress.Development;
using SmtpFunctions.Ingress.Network;
using SmtpFunctions.Ingress.Options;
using SmtpFunctions.Ingress.Protocol;
using SmtpFunctions.Ingress.Tls;
using SmtpServer;

namespace SmtpFunctions.Ingress.Hosting;

/// <summary>
/// Runs SmtpServer with the ingress's hooks until the host stops, then drains: listening stops, every session is told
/// 421 at its next command, messages in DATA finish, and after <c>Ingress:ShutdownGrace</c> what is left is ended.
/// </summary>
public sealed partial class SmtpIngressService(
    IngressSettings settings,
    TlsCertificate certificate,
    IngressListenerFactory listeners,
    SmtpUserAuthenticator authenticator,
    SubmissionMailboxFilter filter,
    SubmissionMessageStore store,
    UserDirectory users,
    DevelopmentAccount development,
    ShardAccounts storage,
    ConnectionLimiter connections,
    TimeProvider time,
    ILogger<SmtpIngressService> logger) : BackgroundService
{
    private const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(listeners);
        services.Add(new IngressCommandFactory());
        services.Add(authenticator);
        services.Add(filter);
        services.Add(store);

        var server = new SmtpServer.SmtpServer(BuildOptions(), services);
        server.SessionFaulted += (_, e) =>
        {
            if (e.Context.Properties.TryGetValue(SessionState.PropertyKey, out var state))
            {
                ((SessionState)state).Faulted = true;
            }

            LogSessionFaulted(logger, e.Exception);
        };
        server.SessionCancelled += (_, e) =>
        {
            if (e.Context.Properties.TryGetValue(SessionState.PropertyKey, out var state))
            {
                ((SessionState)state).Cancelled = true;
            }
        };

        LogStarting(logger, settings.ServerName, certificate.Certificate.Subject, certificate.Certificate.NotAfter, users.Count,
            string.Join(", ", settings.TrustedNetworks.Networks), settings.MaxMessageBytes, settings.MaxRecipients);
        if (development.Account is { } dev)
        {
            LogDevelopmentAccount(logger, dev.Name, development.Password!, dev.SenderDomains is null ? "*" : string.Join(",", dev.SenderDomains));
        }

        // Listen at once, storage or not: until it answers, submissions get 451 and clients retry. The sessions run on a
        // token of their own, not the host's: stopping must not cut off a message between its commit and its 250.
        using var sessions = new CancellationTokenSource();
        var serving = server.StartAsync(sessions.Token);
        var creating = CreateStorageAsync(stoppingToken);
        var stopping = Task.Delay(Timeout.Infinite, stoppingToken);
        if (await Task.WhenAny(serving, stopping) == serving)
        {
            // Ended by itself: a listener failed (the port was taken); the host stops with its exception.
            await serving;
            return;
        }

        await DrainAsync(serving, sessions);
        await creating.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    // The listeners stop accepting and every session closes at its next command wait (ConnectionLimiter.Drain); the sessions' own
    // token, which ends SmtpServer's accept loops, is cancelled once the last one has gone, or when the grace runs out.
    private async Task DrainAsync(Task serving, CancellationTokenSource sessions)
    {
        var grace = settings.Options.ShutdownGrace;
        LogDraining(logger, connections.Open, grace.TotalSeconds);
        var started = time.GetTimestamp();
        connections.Drain();
        // Sessions end on their own clients' time; a tenth of a second is precision enough for a process that is stopping.
        while (connections.Open > 0 && time.GetElapsedTime(started) < grace)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), time);
        }

        var left = connections.Open;
        await sessions.CancelAsync();
        await serving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (left > 0)
        {
            LogDrainTimedOut(logger, left, grace.TotalSeconds);
            return;
        }

        LogDrained(logger, time.GetElapsedTime(started).TotalSeconds);
    }

    // Local runs (Ingress:CreateStorage): Azurite may start after us, so keep trying until the resources exist.
    private async Task CreateStorageAsync(CancellationToken stoppingToken)
    {
        if (!settings.Options.CreateStorage)
        {
            return;
        }

        var delay = TimeSpan.FromMilliseconds(500);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await storage.EnsureCreatedAsync(cancellationToken: stoppingToken);
                return;
            }
            catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !stoppingToken.IsCancellationRequested)
            {
                LogWaitingForStorage(logger, ex.Message);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    private ISmtpServerOptions BuildOptions()
    {
        var o = settings.Options;
        var builder = new SmtpServerOptionsBuilder()
            .ServerName(settings.ServerName)
            .MaxMessageSize((int)Math.Min(settings.MaxMessageBytes, int.MaxValue), MaxMessageSizeHandling.Ignore)
            .MaxRetryCount(o.MaxProtocolErrors)
            .MaxAuthenticationAttempts(o.AuthFailureLimit)
            // The wire times idle clients out first, with a 421; these are SmtpServer's own backstops.
            .CommandWaitTimeout(o.CommandTimeout + TimeSpan.FromMinutes(1))
            .CustomSmtpGreeting(_ => $"220 {settings.ServerName} ESMTP SmtpFunctions");
        if (o.Port > 0)
        {
            builder.Endpoint(e => Configure(e, o.Port, implicitTls: false));
        }

        if (o.ImplicitTlsPort > 0)
        {
            builder.Endpoint(e => Configure(e, o.ImplicitTlsPort, implicitTls: true));
        }

        return builder.Build();
    }

    private void Configure(EndpointDefinitionBuilder endpoint, int port, bool implicitTls) =>
        endpoint.Endpoint(new IPEndPoint(settings.BindAddress, port))
            .IsSecure(implicitTls)
            .Certificate(certificate.Certificate)
            .SupportedSslProtocols(Protocols)
            .AllowUnsecureAuthentication(false)
            .AuthenticationRequired(false)
            .SessionTimeout(settings.Options.SessionTimeout + settings.Options.CommandTimeout);

    [LoggerMessage(EventId = 5501, Level = LogLevel.Information,
        Message = "SMTP ingress {ServerName}: certificate {Subject} (until {NotAfter:u}), {Users} accounts, trusted networks [{Trusted}], max {MaxBytes} octets and {MaxRecipients} recipients per message")]
    private static partial void LogStarting(ILogger logger, string serverName, string subject, DateTime notAfter, int users, string trusted, long maxBytes, int maxRecipients);

    [LoggerMessage(EventId = 5502, Level = LogLevel.Warning,
        Message = "Development SMTP account: user {User} password {Password} (sender domains {Domains}); for local runs only")]
    private static partial void LogDevelopmentAccount(ILogger logger, string user, string password, string domains);

    [LoggerMessage(EventId = 5505, Level = LogLevel.Warning, Message = "Storage not reachable yet, will create its resources when it is: {Reason}")]
    private static partial void LogWaitingForStorage(ILogger logger, string reason);

    [LoggerMessage(EventId = 5506, Level = LogLevel.Information,
        Message = "Stopping: no new connections; {Open} open sessions get 421 at their next command, messages in DATA finish (at most {Grace:F0} s)")]
    private static partial void LogDraining(ILogger logger, int open, double grace);

    [LoggerMessage(EventId = 5507, Level = LogLevel.Information, Message = "Drained in {Seconds:F1} s")]
    private static partial void LogDrained(ILogger logger, double seconds);

    [LoggerMessage(EventId = 5508, Level = LogLevel.Warning,
        Message = "{Open} sessions still open after the {Grace:F0} s shutdown grace (Ingress:ShutdownGrace); ended without a reply")]
    private static partial void LogDrainTimedOut(ILogger logger, int open, double grace);

    [LoggerMessage(EventId = 5503, Level = LogLevel.Warning, Message = "SMTP session faulted")]
    private static partial void LogSessionFaulted(ILogger logger, Exception exception);
}
