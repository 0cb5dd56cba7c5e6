namespace SmtpFunctions.Core.Routing;

/// <summary>Resolves a recipient domain to its mail exchangers.</summary>
public interface IMxResolver
{
    /// <summary>The route for <paramref name="domain"/>; lookup failures are in <see cref="MxRoute.Failure"/>, never thrown.</summary>
    Task<MxRoute> ResolveAsync(string domain, CancellationToken cancellationToken);
}
