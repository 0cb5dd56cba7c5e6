using SmtpServer.Protocol;

namespace SmtpFunctions.Ingress.Protocol;

/// <summary>SmtpServer's commands, with our EHLO.</summary>
public sealed class IngressCommandFactory : SmtpCommandFactory
{
    /// <inheritdoc />
    public override SmtpCommand CreateEhlo(string domainOrAddress) => new IngressEhloCommand(domainOrAddress);
}
