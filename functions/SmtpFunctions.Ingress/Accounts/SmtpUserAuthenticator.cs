using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Ingress.Options;
using SmtpFunctions.Ingress.Protocol;
using SmtpServer;
using SmtpServer.Authentication;

namespace SmtpFunctions.Ingress.Accounts;

/// <summary>
/// Checks AUTH PLAIN/LOGIN credentials against the <see cref="UserDirectory"/>, with the per-client failure limits of
/// <see cref="AuthFailureLimiter"/>. SmtpServer only offers and accepts AUTH under TLS here; the wire answers AUTH before
/// STARTTLS itself.
/// </summary>
public sealed partial class SmtpUserAuthenticator(
    UserDirectory directory,
    AuthFailureLimiter limiter,
    TimeProvider time,
    IOptions<IngressOptions> options,
    ILogger<SmtpUserAuthenticator> logger) : IUserAuthenticator
{
    /// <inheritdoc />
    public async Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken)
    {
        var state = SessionState.Of(context);
        if (limiter.IsBlocked(state.Client))
        {
            state.AuthLimitReached = true;
            LogBlocked(logger, state.Client.ToString());
            throw TooManyFailures();
        }

        var account = directory.Authenticate(user, password);
        if (account is not null)
        {
            state.Account = account;
            LogAuthenticated(logger, account.Name, state.Client.ToString());
            return true;
        }

        LogFailed(logger, SmtpReplies.Clean(user ?? ""), state.Client.ToString());
        switch (limiter.RecordFailure(state.Client))
        {
            case AuthFailureVerdict.Disconnect:
                state.AuthLimitReached = true;
                LogBlocked(logger, state.Client.ToString());
                throw TooManyFailures();
            case AuthFailureVerdict.Delay:
                await Task.Delay(options.Value.AuthFailureDelay, time, cancellationToken);
                break;
        }

        return false;
    }

    private static SmtpServer.Protocol.SmtpResponseException TooManyFailures() =>
        SmtpReplies.Closing(421, "4.7.0", "Too many authentication failures from your address; try again later");

    [LoggerMessage(EventId = 5401, Level = LogLevel.Information, Message = "Authenticated {User} from {Client}")]
    private static partial void LogAuthenticated(ILogger logger, string user, string client);

    [LoggerMessage(EventId = 5402, Level = LogLevel.Warning, Message = "Authentication failed for {User} from {Client}")]
    private static partial void LogFailed(ILogger logger, string user, string client);

    [LoggerMessage(EventId = 5403, Level = LogLevel.Warning, Message = "Too many authentication failures from {Client}; disconnecting")]
    private static partial void LogBlocked(ILogger logger, string client);
}
