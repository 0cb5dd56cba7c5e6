using Microsoft.Extensions.Logging;
using SmtpFunctions.Ingress.Network;
using SmtpFunctions.Ingress.Options;
using SmtpFunctions.Ingress.Protocol;
using SmtpServer;
using SmtpServer.Authentication;

namespace SmtpFunctions.Ingress.Accounts;

/// <summary>
/// Checks AUTH PLAIN/LOGIN credentials against the <see cref="UserDirectory"/>, with two failure limits: per account
/// (<see cref="AccountLockout"/>, from any address) and per client address (<see cref="AuthFailureLimiter"/>, off where
/// addresses are a proxy's). SmtpServer only offers and accepts AUTH under TLS here; the wire answers AUTH before
/// STARTTLS itself.
/// </summary>
public sealed partial class SmtpUserAuthenticator(
    UserDirectory directory,
    AuthFailureLimiter limiter,
    AccountLockout lockout,
    IngressSettings settings,
    TimeProvider time,
    ILogger<SmtpUserAuthenticator> logger) : IUserAuthenticator
{
    /// <inheritdoc />
    public async Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken)
    {
        var state = SessionState.Of(context);
        var perAddress = !settings.AddressesAreProxied;
        var name = SmtpReplies.Clean(user ?? "");
        if (perAddress && limiter.IsBlocked(state.Client))
        {
            state.AuthLimitReached = true;
            LogBlocked(logger, state.Client.ToString());
            throw TooManyFailures();
        }

        if (state.Wire.TakeForeignAuthorization())
        {
            // RFC 4616 authzid naming someone else: never granted, and counted like a wrong password.
            LogForeignIdentity(logger, name, state.Client.ToString());
            await RecordFailureAsync(state, user, perAddress, cancellationToken);
            throw SmtpReplies.Refusal(535, "5.7.8", "Error: authentication failed: an account may only act as itself (authorization identity)");
        }

        if (lockout.IsLocked(user, out var remaining))
        {
            // Locked: the password is not even checked, so guessing on gains nothing; the client may try again later.
            LogLocked(logger, name, state.Client.ToString(), remaining);
            throw SmtpReplies.Refusal(454, "4.7.0", "Temporary authentication failure: too many failures for this account; try again later");
        }

        // The password hash costs many milliseconds of CPU by design: not on the epoll thread.
        await IoThread.LeaveAsync();
        var account = directory.Authenticate(user, password);
        if (account is not null)
        {
            lockout.RecordSuccess(user);
            state.Account = account;
            state.Slot.Promote();
            LogAuthenticated(logger, account.Name, state.Client.ToString());
            return true;
        }

        LogFailed(logger, name, state.Client.ToString());
        await RecordFailureAsync(state, user, perAddress, cancellationToken);
        return false;
    }

    private async Task RecordFailureAsync(SessionState state, string? user, bool perAddress, CancellationToken cancellationToken)
    {
        if (lockout.RecordFailure(user) is { } locked)
        {
            LogAccountLocked(logger, SmtpReplies.Clean(user ?? ""), locked);
        }

        state.AuthFailures++;
        // Where addresses are real, failures count across sessions per address; where they are a proxy's, only this
        // session's count says when to slow down (SmtpServer's attempt limit still ends the session).
        var verdict = perAddress
            ? limiter.RecordFailure(state.Client)
            : state.AuthFailures > settings.Options.AuthFailureDelayAfter ? AuthFailureVerdict.Delay : AuthFailureVerdict.Answer;
        switch (verdict)
        {
            case AuthFailureVerdict.Disconnect:
                state.AuthLimitReached = true;
                LogBlocked(logger, state.Client.ToString());
                throw TooManyFailures();
            case AuthFailureVerdict.Delay:
                await Task.Delay(settings.Options.AuthFailureDelay, time, cancellationToken);
                break;
        }
    }

    private static SmtpServer.Protocol.SmtpResponseException TooManyFailures() =>
        SmtpReplies.Closing(421, "4.7.0", "Too many authentication failures from your address; try again later");

    [LoggerMessage(EventId = 5401, Level = LogLevel.Information, Message = "Authenticated {User} from {Client}")]
    private static partial void LogAuthenticated(ILogger logger, string user, string client);

    [LoggerMessage(EventId = 5402, Level = LogLevel.Warning, Message = "Authentication failed for {User} from {Client}")]
    private static partial void LogFailed(ILogger logger, string user, string client);

    [LoggerMessage(EventId = 5403, Level = LogLevel.Warning, Message = "Too many authentication failures from {Client}; disconnecting")]
    private static partial void LogBlocked(ILogger logger, string client);

    [LoggerMessage(EventId = 5404, Level = LogLevel.Warning, Message = "Account {User} locked for {Lockout} after repeated authentication failures")]
    private static partial void LogAccountLocked(ILogger logger, string user, TimeSpan lockout);

    [LoggerMessage(EventId = 5405, Level = LogLevel.Information, Message = "AUTH for locked account {User} from {Client} refused; {Remaining} left")]
    private static partial void LogLocked(ILogger logger, string user, string client, TimeSpan remaining);

    [LoggerMessage(EventId = 5406, Level = LogLevel.Warning, Message = "AUTH PLAIN for {User} from {Client} asked to act as another identity; refused")]
    private static partial void LogForeignIdentity(ILogger logger, string user, string client);
}
