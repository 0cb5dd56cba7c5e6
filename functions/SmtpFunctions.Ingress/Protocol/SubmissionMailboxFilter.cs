using SmtpFunctions.Core.Domains;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Ingress.Options;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Storage;

namespace SmtpFunctions.Ingress.Protocol;

/// <summary>
/// Answers MAIL and RCPT early with Core's address rules: malformed addresses, a sender domain the account may not use
/// (the From header is checked again by Core after DATA), and more recipients than a message may have.
/// </summary>
/// <remarks>RFC 5321 §4.5.3.1.8: a server refusing further recipients answers 452 and the client sends the rest later.</remarks>
public sealed class SubmissionMailboxFilter(IngressSettings settings, TenantDomainCache tenantDomains) : IMailboxFilter
{
    /// <inheritdoc />
    public async Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(from);
        var state = SessionState.Of(context);
        state.Recipients.Clear();
        var address = from.AsAddress();
        if (address is null)
        {
            // The null reverse-path: notifications (read receipts, auto-replies) are allowed to use it.
            return true;
        }

        if (!AddressRules.TryParseEnvelope(address, out var sender, out var problem))
        {
            throw SmtpReplies.Refusal(553, "5.1.7", $"Bad sender address syntax: {problem}");
        }

        if (state.AllowedSenderDomains is { } allowed && !allowed.Contains(sender!.Domain, StringComparer.OrdinalIgnoreCase))
        {
            throw SmtpReplies.Refusal(550, "5.7.1", $"Sender address <{address}> is not one this account may use");
        }

        // The tenant rule early, as the account rule: Core checks From (and this again) after DATA.
        TenantDomains domains;
        try
        {
            domains = await tenantDomains.GetAsync(state.TenantId, cancellationToken);
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw SmtpReplies.Refusal(451, "4.3.0", "Sending domains cannot be read now; try again later");
        }

        if (!domains.Allows(sender!.Domain))
        {
            throw SmtpReplies.Refusal(550, "5.7.1", $"Sender domain {sender.Domain} is not a verified sending domain of this account's tenant");
        }

        return true;
    }

    /// <inheritdoc />
    public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(to);
        var state = SessionState.Of(context);
        var address = to.AsAddress();
        if (address is null)
        {
            throw SmtpReplies.Refusal(553, "5.1.3", "Bad recipient address syntax: the recipient is empty");
        }

        if (!AddressRules.TryParseEnvelope(address, out var recipient, out var problem))
        {
            throw SmtpReplies.Refusal(553, "5.1.3", $"Bad recipient address syntax: {problem}");
        }

        if (!state.Recipients.Contains(recipient!.Address) && state.Recipients.Count >= settings.MaxRecipients)
        {
            throw SmtpReplies.Refusal(452, "4.5.3", $"Too many recipients; at most {settings.MaxRecipients} per message");
        }

        state.Recipients.Add(recipient.Address);
        return Task.FromResult(true);
    }
}
