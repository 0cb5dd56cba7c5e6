using System.Buffers;
using System.Security.Authentication;
using Azure;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Ingress.Memory;
using SmtpFunctions.Ingress.Network;
using SmtpFunctions.Ingress.Options;
using SmtpFunctions.Ingress.Telemetry;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace SmtpFunctions.Ingress.Protocol;

/// <summary>
/// The end of DATA: hands the message to Core's <see cref="SubmissionService"/> with the SMTP envelope and the account's
/// sender domains, and turns the outcome into the reply. Never throws: SmtpServer would turn an exception into a
/// permanent 554, while storage trouble must be a 451 that makes the client try again.
/// </summary>
/// <remarks>
/// The message is the wire's (<see cref="SmtpWireStream.TakeReceived"/>), not SmtpServer's buffer, which only ever holds an
/// empty message: Core reads the wire's octets in place, and they are released when <c>SubmitAsync</c> returns (Core
/// keeps nothing of a <see cref="MimePayload"/> past that). Before Core, each message waits its turn at the
/// <see cref="SubmissionGate"/>, so that the copies Core makes of many large messages at once stay within memory.
/// </remarks>
public sealed partial class SubmissionMessageStore(
    SubmissionService submission,
    ShardAccounts storage,
    IngressSettings settings,
    SubmissionGate gate,
    ILogger<SubmissionMessageStore> logger) : IMessageStore
{
    /// <inheritdoc />
    public async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(transaction);
        var state = SessionState.Of(context);
        using var received = state.Wire.TakeReceived();
        try
        {
            var verdict = (received ?? throw new InvalidOperationException("The wire gave no verdict on this DATA.")).Verdict;
            if (verdict.BareLineEnding)
            {
                return SmtpReplies.Reply(550, "5.6.0", "Message refused: bare CR or LF in the data; lines must end with CRLF (RFC 5321 section 2.3.8)");
            }

            if (verdict.TooLarge)
            {
                return SmtpReplies.Reply(552, "5.3.4", $"Message size exceeds fixed maximum message size ({state.Wire.MaxMessageBytes} octets)");
            }

            if (verdict.OutOfMemory || received.Content is null)
            {
                return SmtpReplies.Reply(451, "4.3.1", "Insufficient system resources for this message now; it was not accepted, try again later");
            }

            var octets = received.Content.AsMemory();
            using var pass = await gate.EnterAsync(octets.Length, cancellationToken);
            var request = new SubmissionRequest
            {
                Source = SubmissionSource.Smtp,
                Payload = new MimePayload(octets),
                Envelope = new SubmissionEnvelope(transaction.From.AsAddress(), transaction.To.Select(to => to.AsAddress()).ToList()),
                AllowedSenderDomains = state.AllowedSenderDomains,
                TenantId = state.TenantId,
                // What this door's Received: field records: TLS and AUTH make it ESMTPSA, as Postfix writes it.
                Client = new SubmissionClient
                {
                    Address = state.Client,
                    Tls = context.Pipe.IsSecure,
                    TlsProtocol = context.Pipe is IngressPipe { SslProtocol: not SslProtocols.None } pipe ? pipe.SslProtocol : null,
                    CipherSuite = (context.Pipe as IngressPipe)?.CipherSuite,
                    AuthenticatedUser = state.Account?.Name,
                },
            };
            SubmissionOutcome outcome;
            // Core's one line per accepted message (event 1001) is the only one at Information: the session, client and
            // account travel with it in this scope instead of in a second line of our own.
            using (logger.BeginScope(new SessionScope(context.SessionId, state.Client, state.Account?.Name)))
            {
                // Parsing, serialising and signing take from tens of microseconds to many milliseconds: not on the epoll thread.
                await IoThread.LeaveAsync();
                outcome = await submission.SubmitAsync(request, cancellationToken);
            }

            if (outcome.Receipt is { } receipt)
            {
                state.MessagesAccepted++;
                LogQueued(logger, receipt.MessageId, state.Account?.Name ?? "(trusted network)", state.Client.ToString(), receipt.Recipients.Count);
                return SmtpReplies.Reply(250, "2.0.0", $"Ok: queued as {receipt.MessageId}");
            }

            var error = outcome.Error!;
            LogRefused(logger, error.Kind, error.Detail);
            return error.Kind switch
            {
                SubmissionErrorKind.Invalid => SmtpReplies.Reply(554, "5.6.0", $"Message refused: {error.Detail}"),
                SubmissionErrorKind.TooLarge => SmtpReplies.Reply(552, "5.3.4", error.Detail),
                SubmissionErrorKind.SenderNotAllowed => SmtpReplies.Reply(550, "5.7.1", error.Detail),
                SubmissionErrorKind.DomainNotVerified => SmtpReplies.Reply(550, "5.7.1", error.Detail),
                _ => SmtpReplies.Reply(451, "4.3.0", "Storage is unavailable; the message was not accepted, try again later"),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return SmtpReplies.Reply(421, "4.3.2", "Service shutting down; the message was not accepted, try again later");
        }
        catch (OutOfMemoryException ex)
        {
            // The budgets are meant to make this impossible; should the heap still run out, the client keeps the message.
            LogOutOfMemory(logger, ex);
            return SmtpReplies.Reply(451, "4.3.1", "Insufficient system resources for this message now; it was not accepted, try again later");
        }
        catch (Exception ex)
        {
            // Whatever went wrong, nothing was acknowledged: a temporary failure lets the client keep the message and retry.
            LogFailed(logger, ex);
            await RecreateStorageIfMissingAsync(ex);
            return SmtpReplies.Reply(451, "4.3.0", "Local error; the message was not accepted, try again later");
        }
    }

    // Local runs only (CreateStorage): an Azurite restarted without its data has lost the container, table and queue,
    // and every submission would fail until they exist again; recreate them so that the client's retry succeeds.
    private async Task RecreateStorageIfMissingAsync(Exception exception)
    {
        if (!settings.Options.CreateStorage || exception is not RequestFailedException { Status: 404 })
        {
            return;
        }

        try
        {
            await storage.EnsureCreatedAsync();
            LogRecreated(logger);
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) || ex is RequestFailedException)
        {
            LogFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Debug, Message = "Queued {MessageId} for {Recipients} recipients from {User} at {Client}")]
    private static partial void LogQueued(ILogger logger, string messageId, string user, string client, int recipients);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Information, Message = "Submission refused ({Kind}): {Detail}")]
    private static partial void LogRefused(ILogger logger, SubmissionErrorKind kind, string detail);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Error, Message = "Submission failed unexpectedly; answered 451")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5305, Level = LogLevel.Error, Message = "Out of memory while submitting; answered 451 4.3.1")]
    private static partial void LogOutOfMemory(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5304, Level = LogLevel.Warning, Message = "Storage resources were missing and have been created again (Ingress:CreateStorage)")]
    private static partial void LogRecreated(ILogger logger);
}
