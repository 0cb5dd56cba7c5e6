using SmtpServer;
using SmtpServer.Protocol;

namespace SmtpFunctions.Ingress.Protocol;

/// <summary>EHLO without SmtpServer's chatty greeting, and with ENHANCEDSTATUSCODES (RFC 2034) among the extensions.</summary>
/// <remarks>SmtpServer already offers STARTTLS only before TLS, AUTH only after it, and SIZE with the configured limit.</remarks>
public sealed class IngressEhloCommand(string domainOrAddress) : EhloCommand(domainOrAddress)
{
    /// <inheritdoc />
    protected override string GetGreeting(ISessionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return $"{context.ServerOptions.ServerName} Hello {DomainOrAddress}";
    }

    /// <inheritdoc />
    protected override IEnumerable<string> GetExtensions(ISessionContext context)
    {
        foreach (var extension in base.GetExtensions(context))
        {
            yield return extension;
        }

        yield return "ENHANCEDSTATUSCODES";
    }
}
